package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/masteryledger/ledger/adapters/casefile"
	"github.com/masteryledger/ledger/domain"
)

// MaxCaseImportBytes is the largest CFPackage POST /v1/imports/case
// accepts; larger is 413. A state's whole framework of several thousand
// items fits.
const MaxCaseImportBytes = 32 << 20

// caseParser compiles the CASE schema once per server, on first use.
type caseParser struct {
	once   sync.Once
	parser *casefile.Parser
	err    error
}

func (c *caseParser) get() (*casefile.Parser, error) {
	c.once.Do(func() { c.parser, c.err = casefile.NewParser() })
	return c.parser, c.err
}

// importCase is POST /v1/imports/case[?dryRun=true][&retireMissing=true]:
// a CASE 1.1 CFPackage into the standards, as `ledger import case` does
// offline. It answers the import's report: 201 if it recorded events, 200
// if it recorded none (a dry run, or a package already imported).
func (s *Server) importCase(w http.ResponseWriter, r *http.Request) error {
	dryRun, err := queryBool(r, "dryRun")
	if err != nil {
		return err
	}
	retire, err := queryBool(r, "retireMissing")
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return &badRequest{Message: "the body could not be read: " + err.Error()}
	}
	parser, err := s.caseParser.get()
	if err != nil {
		return err
	}
	pkg, err := parser.Parse(raw)
	if err != nil {
		return caseProblem(err)
	}
	var last atomic.Uint64
	rep, err := casefile.Import(r.Context(), s.cfg.Service, s.cfg.Events, pkg, casefile.Options{
		Actor: principalFrom(r.Context()).Actor(), DryRun: dryRun, RetireMissing: retire,
		OnAppended: func(rec domain.RecordedEvent) {
			for {
				old := last.Load()
				if rec.Position <= old || last.CompareAndSwap(old, rec.Position) {
					return
				}
			}
		},
	})
	if err != nil {
		return caseProblem(err)
	}
	status := http.StatusOK
	if pos := last.Load(); pos > 0 {
		// Answered once the read model shows the standards, so that the
		// client's next GET /v1/standards lists them.
		if err := s.waitApplied(r.Context(), pos); err != nil {
			loggerFrom(r.Context()).Warn("read model lags behind an import", "position", pos, "err", err.Error())
		}
		if rep.Published.Count+rep.Revised.Count+rep.Retired.Count > 0 {
			status = http.StatusCreated
		}
	}
	writeJSON(w, r, status, rep)
	return nil
}

// caseProblem gives a package's faults the problem document's errors list,
// each named by its JSON path in the package.
func caseProblem(err error) error {
	var bad *casefile.InvalidPackageError
	if errors.As(err, &bad) {
		return fmt.Errorf("the CASE package is refused: %w", &domain.ValidationError{Errors: bad.FieldErrors()})
	}
	return err
}

// queryBool reads an optional true/false query parameter; absent is false.
func queryBool(r *http.Request, name string) (bool, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return false, &badRequest{Field: name, Message: "must be true or false"}
	}
	return b, nil
}
