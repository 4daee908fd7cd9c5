package casefile

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/masteryledger/ledger/domain"
)

// schemaURL is the official schema's own $id: the embedded copy is
// registered under it, so nothing is fetched.
const schemaURL = "https://purl.imsglobal.org/spec/case/v1p1/schema/json/case_v1p1_cfpackage-jsonschema1.json"

//go:embed schema/case_v1p1_cfpackage-jsonschema1.json
var schemaJSON []byte

// Package is the part of a CASE 1.1 CFPackage the import reads. The schema
// has checked the whole document before it is decoded into this.
type Package struct {
	Document     Document      `json:"CFDocument"`
	Items        []Item        `json:"CFItems"`
	Associations []Association `json:"CFAssociations"`
	Rubrics      []Rubric      `json:"CFRubrics"`
	Definitions  *Definitions  `json:"CFDefinitions"`
}

// Document is the package's CFDocument: the framework.
type Document struct {
	Identifier         string `json:"identifier"`
	URI                string `json:"uri"`
	Title              string `json:"title"`
	Creator            string `json:"creator"`
	Version            string `json:"version"`
	LastChangeDateTime string `json:"lastChangeDateTime"`
}

// Item is one CFItem: a standard, a component, or a grouping of them.
type Item struct {
	Identifier           string   `json:"identifier"`
	URI                  string   `json:"uri"`
	FullStatement        string   `json:"fullStatement"`
	AbbreviatedStatement string   `json:"abbreviatedStatement"`
	HumanCodingScheme    string   `json:"humanCodingScheme"`
	ListEnumeration      string   `json:"listEnumeration"`
	CFItemType           string   `json:"CFItemType"`
	CFItemTypeURI        *LinkURI `json:"CFItemTypeURI"`
	LastChangeDateTime   string   `json:"lastChangeDateTime"`
}

// LinkURI is CASE's reference to another object.
type LinkURI struct {
	Title      string `json:"title"`
	Identifier string `json:"identifier"`
	URI        string `json:"uri"`
}

// Association is one CFAssociation; only isChildOf shapes standards.
type Association struct {
	Identifier         string  `json:"identifier"`
	AssociationType    string  `json:"associationType"`
	SequenceNumber     *int64  `json:"sequenceNumber"`
	OriginNodeURI      LinkURI `json:"originNodeURI"`
	DestinationNodeURI LinkURI `json:"destinationNodeURI"`
}

// Rubric is one CFRubric.
type Rubric struct {
	Identifier string      `json:"identifier"`
	Title      string      `json:"title"`
	Criteria   []Criterion `json:"CFRubricCriteria"`
}

// Criterion is one CFRubricCriterion; CFItemURI names the item it assesses.
type Criterion struct {
	Identifier string           `json:"identifier"`
	CFItemURI  *LinkURI         `json:"CFItemURI"`
	Position   *int64           `json:"position"`
	Levels     []CriterionLevel `json:"CFRubricCriterionLevels"`
}

// CriterionLevel is one CFRubricCriterionLevel.
type CriterionLevel struct {
	Identifier  string   `json:"identifier"`
	Quality     string   `json:"quality"`
	Description string   `json:"description"`
	Score       *float64 `json:"score"`
	Position    *int64   `json:"position"`
}

// Definitions holds the package's CFItemTypes, which name item types by URI.
type Definitions struct {
	ItemTypes []ItemType `json:"CFItemTypes"`
}

// ItemType is one CFItemType.
type ItemType struct {
	Identifier string `json:"identifier"`
	Title      string `json:"title"`
	TypeCode   string `json:"typeCode"`
}

// ErrInvalidPackage is wrapped by every refusal of a package: not JSON,
// not a CASE 1.1 CFPackage, or one whose items cannot become standards.
var ErrInvalidPackage = errors.New("invalid CASE package")

// Problem is one fault of a package: where (a JSON path such as
// $.CFItems[3].identifier) and what.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// InvalidPackageError lists every fault found in a package. It wraps
// ErrInvalidPackage and domain.ErrInvalid.
type InvalidPackageError struct {
	Problems []Problem
}

func (e *InvalidPackageError) Error() string {
	var b strings.Builder
	b.WriteString("not a valid CASE 1.1 CFPackage")
	for i, p := range e.Problems {
		if i == 10 {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-10)
			break
		}
		fmt.Fprintf(&b, "; %s: %s", p.Path, p.Message)
	}
	return b.String()
}

// Is makes errors.Is match both sentinels: callers that know only the
// domain's (the HTTP adapter's status mapping) answer 400.
func (e *InvalidPackageError) Is(target error) bool {
	return target == ErrInvalidPackage || target == domain.ErrInvalid
}

// FieldErrors gives the problems in the domain's form, for a problem
// document's errors list.
func (e *InvalidPackageError) FieldErrors() []domain.FieldError {
	out := make([]domain.FieldError, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = domain.FieldError{Field: p.Path, Message: p.Message}
	}
	return out
}

// Parser checks packages against the official CASE 1.1 CFPackage schema.
// It is safe for concurrent use.
type Parser struct {
	schema *jsonschema.Schema
	// printer words the schema's messages; the validator needs one.
	printer *message.Printer
}

// NewParser compiles the embedded schema. Formats (uuid, date-time, date)
// are asserted, as the specification requires, not merely annotated.
func NewParser() (*Parser, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("read the embedded CASE schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("load the embedded CASE schema: %w", err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("compile the embedded CASE schema: %w", err)
	}
	return &Parser{schema: sch, printer: message.NewPrinter(language.English)}, nil
}

// Parse reads one CFPackage. Returns *InvalidPackageError for anything
// that is not one JSON document valid against the CASE 1.1 schema, or
// whose item identifiers repeat.
func (p *Parser) Parse(raw []byte) (*Package, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, &InvalidPackageError{Problems: []Problem{{Path: "$", Message: jsonMessage(err)}}}
	}
	if _, err := dec.Token(); err == nil {
		return nil, &InvalidPackageError{Problems: []Problem{{Path: "$", Message: "the file must hold exactly one JSON document; found more after it"}}}
	}
	if err := p.schema.Validate(doc); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, fmt.Errorf("validate against the CASE schema: %w", err)
		}
		return nil, &InvalidPackageError{Problems: schemaProblems(ve, p.printer)}
	}
	var pkg Package
	if err := json.Unmarshal(raw, &pkg); err != nil {
		// The schema has accepted it, so this is a number out of Go's
		// range or the like.
		return nil, &InvalidPackageError{Problems: []Problem{{Path: "$", Message: jsonMessage(err)}}}
	}
	seen := make(map[string]int, len(pkg.Items))
	var probs []Problem
	for i, it := range pkg.Items {
		if j, dup := seen[it.Identifier]; dup {
			probs = append(probs, Problem{Path: fmt.Sprintf("$.CFItems[%d].identifier", i),
				Message: fmt.Sprintf("repeats the identifier of $.CFItems[%d]", j)})
			continue
		}
		seen[it.Identifier] = i
	}
	if probs != nil {
		return nil, &InvalidPackageError{Problems: probs}
	}
	return &pkg, nil
}

func jsonMessage(err error) string {
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "malformed JSON: the file ends in the middle of a JSON value"
	case errors.As(err, &syntax):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, err)
	}
	return "not JSON: " + err.Error()
}

// schemaProblems flattens the validator's tree of errors into its leaves:
// the faults themselves, not the "validation failed" of every ancestor.
func schemaProblems(ve *jsonschema.ValidationError, pr *message.Printer) []Problem {
	var out []Problem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		switch e.ErrorKind.(type) {
		case *kind.Group, *kind.Schema, *kind.Reference:
			return
		}
		out = append(out, Problem{Path: jsonPath(e.InstanceLocation), Message: e.ErrorKind.LocalizedString(pr)})
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if len(out) == 0 {
		out = []Problem{{Path: jsonPath(ve.InstanceLocation), Message: ve.LocalizedError(pr)}}
	}
	return out
}

// jsonPath writes a location as a JSONPath: $.CFItems[3].identifier.
func jsonPath(loc []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range loc {
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[" + s + "]")
			continue
		}
		if isPlainKey(s) {
			b.WriteString("." + s)
			continue
		}
		b.WriteString("[" + strconv.Quote(s) + "]")
	}
	return b.String()
}

func isPlainKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '$' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
