package oneroster

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/masteryledger/ledger/domain"
)

// ErrBadRoster is wrapped by every fault of the files themselves: a
// *FileError, a set that is not a OneRoster set at all.
var ErrBadRoster = errors.New("bad roster")

// FileError is a fault in one file of the set: where it is, and what.
type FileError struct {
	File string // as the set names it, e.g. "users.csv"
	// Line is 1-based, as an editor counts; 1 is the header.
	Line int
	// Column is the 1-based number of the field (a spreadsheet's column);
	// 0 when the fault is a column the header lacks, which Name names. In
	// a fault of the CSV syntax itself, where no field can be told apart,
	// it is the 1-based byte of the line, as encoding/csv counts.
	Column int
	// Name is the column's header name, when there is one.
	Name    string
	Message string
}

func (e *FileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s line %d", e.File, e.Line)
	if e.Column > 0 {
		fmt.Fprintf(&b, ", column %d", e.Column)
	}
	if e.Name != "" {
		fmt.Fprintf(&b, " (%s)", e.Name)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap makes every FileError an ErrBadRoster.
func (e *FileError) Unwrap() error { return ErrBadRoster }

// Unassigned is the cohort of a learner whose user row lists no grade. It
// is a word rather than a guess at a grade: a person sees at once who has
// no cohort yet.
const Unassigned = "unassigned"

// Roster is a OneRoster set as the ledger reads it.
type Roster struct {
	// Version is the manifest's oneroster.version: "1.1" or "1.2".
	Version string
	// Bulk says the users (and roles) files are bulk: they list everyone,
	// so a learner they leave out is missing. A delta file lists changes
	// only; then only rows marked tobedeleted are missing.
	Bulk bool
	// Schools are the active orgs of type school, in file order.
	Schools []School
	// Students are the active users with a primary student role, in
	// users.csv order.
	Students []Student
	// Removed are the users the files mark tobedeleted (a user row, or
	// every student role of the user), sorted as found.
	Removed []string
}

// School is an org of type school.
type School struct {
	ID, Name         string
	DateLastModified string
	Line             int // in orgs.csv
}

// Student is a user with a primary student role at a school.
type Student struct {
	ID, SchoolID, Cohort string
	DateLastModified     string
	// Names are personal data: they go into the sealed profile only, and
	// only when asked to.
	GivenName, FamilyName                   string
	PreferredGivenName, PreferredFamilyName string
	Line                                    int // in users.csv
	// nameCol is the column a too long display name is reported at.
	nameCol int
}

// DisplayName is the name the profile shows: the preferred names where
// given, else the legal ones.
func (s Student) DisplayName() string {
	given, family := s.PreferredGivenName, s.PreferredFamilyName
	if given == "" {
		given = s.GivenName
	}
	if family == "" {
		family = s.FamilyName
	}
	return strings.TrimSpace(given + " " + family)
}

// Files of the set the import reads.
const (
	manifestFile = "manifest.csv"
	orgsFile     = "orgs.csv"
	usersFile    = "users.csv"
	rolesFile    = "roles.csv"
)

// Read reads and checks the set in fsys: all of it, before anything is
// written. A set zipped inside one folder is read from that folder.
//
// Returns a *FileError (ErrBadRoster) for a fault in a file, an error
// wrapping ErrBadRoster for a set without a manifest, and an error wrapping
// ErrArchiveTooLarge if a zip inflates past its limits.
func Read(fsys fs.FS) (*Roster, error) {
	fsys, err := locate(fsys)
	if err != nil {
		return nil, err
	}
	files, err := listFiles(fsys)
	if err != nil {
		return nil, err
	}
	m, err := readManifest(fsys, files)
	if err != nil {
		return nil, err
	}
	r := &reader{fsys: fsys, files: files, m: m, orgs: map[string]*org{}, users: map[string]*user{}}
	if err := r.readOrgs(); err != nil {
		return nil, err
	}
	if err := r.readUsers(); err != nil {
		return nil, err
	}
	if m.usesRoles {
		if err := r.readRoles(); err != nil {
			return nil, err
		}
	}
	return r.roster()
}

// locate returns fsys, or the one folder in it that holds the manifest.
func locate(fsys fs.FS) (fs.FS, error) {
	if _, err := fs.Stat(fsys, manifestFile); err == nil {
		return fsys, nil
	}
	matches, err := fs.Glob(fsys, "*/"+manifestFile)
	if err != nil {
		return nil, err
	}
	if len(matches) == 1 {
		return fs.Sub(fsys, path.Dir(matches[0]))
	}
	return nil, fmt.Errorf("no %s at the top of the set (nor in exactly one folder): a OneRoster set starts with its manifest: %w", manifestFile, ErrBadRoster)
}

// listFiles maps each file's lower-case name to its name: producers differ
// in case ("userProfiles.csv", "userprofiles.csv").
func listFiles(fsys fs.FS) (map[string]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			out[strings.ToLower(e.Name())] = e.Name()
		}
	}
	return out, nil
}

// table reads one CSV file row by row, by header name.
type table struct {
	file   string
	f      fs.File
	r      *csv.Reader
	header []string
	cols   map[string]int
	rec    []string
}

func openTable(fsys fs.FS, files map[string]string, file string) (*table, error) {
	name, ok := files[strings.ToLower(file)]
	if !ok {
		return nil, &FileError{File: file, Line: 1, Message: "the manifest declares it, but the set has no such file"}
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(f)
	// Producers leave trailing fields off, or add empty ones: a short row
	// reads as blanks, extra fields are ignored.
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	t := &table{file: name, f: f, r: r, cols: map[string]int{}}
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		f.Close()
		return nil, &FileError{File: name, Line: 1, Message: "the file is empty; it needs at least its header line"}
	}
	if err != nil {
		f.Close()
		return nil, t.readErr(err)
	}
	t.header = make([]string, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // a spreadsheet's byte order mark
		}
		h = strings.TrimSpace(h)
		t.header[i] = h
		if _, dup := t.cols[strings.ToLower(h)]; !dup && h != "" {
			t.cols[strings.ToLower(h)] = i
		}
	}
	return t, nil
}

func (t *table) Close() error { return t.f.Close() }

// require returns a fault for the first of cols the header lacks.
func (t *table) require(cols ...string) error {
	for _, c := range cols {
		if _, ok := t.cols[strings.ToLower(c)]; !ok {
			return &FileError{File: t.file, Line: 1, Name: c, Message: fmt.Sprintf("the header has no column %q, which the import needs", c)}
		}
	}
	return nil
}

// next reads the next row; false at the end.
func (t *table) next() (bool, error) {
	rec, err := t.r.Read()
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, t.readErr(err)
	}
	t.rec = rec
	return true, nil
}

// readErr turns a CSV syntax error, or an archive's limit, into a fault
// that names where.
func (t *table) readErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FileError{File: t.file, Line: pe.Line, Column: pe.Column, Message: "not valid CSV: " + pe.Err.Error()}
	}
	return fmt.Errorf("read %s: %w", t.file, err)
}

// col is the index of column c, or -1.
func (t *table) col(c string) int {
	if i, ok := t.cols[strings.ToLower(c)]; ok {
		return i
	}
	return -1
}

// get returns the row's value of the first of cols the header has, with
// surrounding blanks removed; "" if none, or if the row is short.
func (t *table) get(cols ...string) string {
	for _, c := range cols {
		if i := t.col(c); i >= 0 {
			if i < len(t.rec) {
				return strings.TrimSpace(t.rec[i])
			}
			return ""
		}
	}
	return ""
}

// line is the line the current row starts on.
func (t *table) line() int {
	l, _ := t.r.FieldPos(0)
	return l
}

// errAt is a fault in the current row's column c (the first of cols the
// header has).
func (t *table) errAt(c string, format string, args ...any) *FileError {
	i := t.col(c)
	e := &FileError{File: t.file, Line: t.line(), Name: c, Message: fmt.Sprintf(format, args...)}
	if i >= 0 {
		e.Column = i + 1
		e.Name = t.header[i]
		if i < len(t.rec) {
			e.Line, _ = t.r.FieldPos(i)
		}
	}
	return e
}

// manifest is what manifest.csv says.
type manifest struct {
	version   string
	modes     map[string]string // lower-case file name without .csv → bulk, delta, absent or ""
	usesRoles bool
}

func readManifest(fsys fs.FS, files map[string]string) (*manifest, error) {
	t, err := openTable(fsys, files, manifestFile)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	if err := t.require("propertyName", "value"); err != nil {
		return nil, err
	}
	m := &manifest{modes: map[string]string{}}
	versionLine := 0
	for {
		ok, err := t.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		prop, value := t.get("propertyName"), t.get("value")
		switch {
		case prop == "oneroster.version":
			if value != "1.1" && value != "1.2" {
				return nil, t.errAt("value", "oneroster.version is %q; this import reads OneRoster 1.1 and 1.2 sets", value)
			}
			m.version, versionLine = value, t.line()
		case strings.HasPrefix(prop, "file."):
			name := strings.ToLower(strings.TrimPrefix(prop, "file."))
			mode := strings.ToLower(value)
			switch mode {
			case "bulk", "delta":
				if _, ok := files[name+".csv"]; !ok {
					return nil, t.errAt("value", "%s is declared %s, but the set has no %s.csv", prop, mode, strings.TrimPrefix(prop, "file."))
				}
			case "absent":
				if actual, ok := files[name+".csv"]; ok {
					return nil, t.errAt("value", "%s is declared absent, but the set holds %s", prop, actual)
				}
			case "":
			default:
				return nil, t.errAt("value", "%s is %q; want bulk, delta or absent", prop, value)
			}
			m.modes[name] = mode
		}
	}
	if versionLine == 0 {
		return nil, &FileError{File: t.file, Line: 1, Name: "oneroster.version", Message: "the manifest has no oneroster.version property"}
	}
	for _, need := range []string{"orgs", "users"} {
		if mode := m.modes[need]; mode != "bulk" && mode != "delta" {
			return nil, &FileError{File: t.file, Line: 1, Name: "file." + need,
				Message: fmt.Sprintf("file.%s must be bulk or delta: the import reads schools from orgs.csv and learners from users.csv", need)}
		}
	}
	mode := m.modes["roles"]
	m.usesRoles = mode == "bulk" || mode == "delta"
	return m, nil
}

// bulk says whether the people files list everyone.
func (m *manifest) bulk() bool {
	return m.modes["users"] == "bulk" && (!m.usesRoles || m.modes["roles"] == "bulk")
}

type org struct {
	typ, parent string
	active      bool
}

type user struct {
	id, dlm     string
	removed     bool
	line        int
	idCol       int
	grades      string
	gradesCol   int
	names       [4]string // given, family, preferred given, preferred family
	nameCol     int
	school      string // the school of its primary student role, "" if none
	studentSeen bool   // it has a student role, active or not
}

type reader struct {
	fsys  fs.FS
	files map[string]string
	m     *manifest
	orgs  map[string]*org
	users map[string]*user
	order []*user
	rs    Roster
}

// status checks the current row's status column; removed is true for
// tobedeleted (and 1.0's inactive).
func (r *reader) status(t *table) (removed bool, err error) {
	switch strings.ToLower(t.get("status")) {
	case "", "active":
		return false, nil
	case "tobedeleted", "inactive":
		return true, nil
	}
	return false, t.errAt("status", "%q is not a status; want active or tobedeleted (or blank in a bulk file)", t.get("status"))
}

// date checks the current row's dateLastModified: blank, an ISO 8601
// date-time (RFC 3339) or a date.
func date(t *table) (string, error) {
	v := t.get("dateLastModified")
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return v, nil
	}
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return v, nil
	}
	return "", t.errAt("dateLastModified", "%q is not a date; want an ISO 8601 date-time such as 2023-05-01T18:25:43.511Z, or a date such as 2023-05-01", v)
}

// rowHead reads what every row of orgs.csv and users.csv starts with: its
// sourcedId (not blank, not seen before), its status and its
// dateLastModified.
func (r *reader) rowHead(t *table, kind string, seen func(id string) bool) (id string, removed bool, dlm string, err error) {
	id = t.get("sourcedId")
	if id == "" {
		return "", false, "", t.errAt("sourcedId", "is blank; every %s needs its sourcedId", kind)
	}
	if seen(id) {
		return "", false, "", t.errAt("sourcedId", "%s %q is listed twice", kind, id)
	}
	if removed, err = r.status(t); err != nil {
		return "", false, "", err
	}
	if dlm, err = date(t); err != nil {
		return "", false, "", err
	}
	return id, removed, dlm, nil
}

func (r *reader) readOrgs() error {
	t, err := openTable(r.fsys, r.files, orgsFile)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := t.require("sourcedId", "name", "type"); err != nil {
		return err
	}
	for {
		ok, err := t.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		id, removed, dlm, err := r.rowHead(t, "org", func(id string) bool { _, dup := r.orgs[id]; return dup })
		if err != nil {
			return err
		}
		o := &org{typ: strings.ToLower(t.get("type")), parent: t.get("parentSourcedId"), active: !removed}
		r.orgs[id] = o
		if o.typ != "school" || removed {
			continue
		}
		if !domain.ValidID(id) {
			return t.errAt("sourcedId", "%q cannot be a school id of the ledger (1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'); the import does not rewrite ids, so that they keep matching the information system's", id)
		}
		name := t.get("name")
		switch {
		case name == "":
			return t.errAt("name", "school %q has no name", id)
		case utf8.RuneCountInString(name) > domain.MaxNameLen:
			return t.errAt("name", "school %q's name is over %d characters", id, domain.MaxNameLen)
		}
		r.rs.Schools = append(r.rs.Schools, School{ID: id, Name: name, DateLastModified: dlm, Line: t.line()})
	}
}

// school resolves an org to the school it is or belongs to.
func (r *reader) school(id string) (string, error) {
	seen := map[string]bool{}
	for cur := id; ; {
		o, ok := r.orgs[cur]
		switch {
		case !ok && cur == id:
			return "", fmt.Errorf("org %q is not in %s", id, orgsFile)
		case !ok:
			return "", fmt.Errorf("org %q belongs to %q, which is not in %s: the learner's school is not known", id, cur, orgsFile)
		case o.typ == "school" && !o.active:
			return "", fmt.Errorf("org %q is a school marked tobedeleted", cur)
		case o.typ == "school":
			return cur, nil
		case o.parent == "" || seen[cur]:
			return "", fmt.Errorf("org %q is a %s that belongs to no school", id, o.typ)
		}
		seen[cur] = true
		cur = o.parent
	}
}

func (r *reader) readUsers() error {
	t, err := openTable(r.fsys, r.files, usersFile)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := t.require("sourcedId"); err != nil {
		return err
	}
	if !r.m.usesRoles {
		// 1.1: the role and the orgs are the user's own columns.
		if err := t.require("role", "orgSourcedIds"); err != nil {
			var fe *FileError
			if errors.As(err, &fe) {
				fe.Message += " (the manifest declares no roles file, so users.csv must say each user's role)"
			}
			return err
		}
	}
	for {
		ok, err := t.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		id, removed, dlm, err := r.rowHead(t, "user", func(id string) bool { _, dup := r.users[id]; return dup })
		if err != nil {
			return err
		}
		u := &user{id: id, dlm: dlm, removed: removed, line: t.line(), idCol: t.col("sourcedId") + 1,
			grades: t.get("grades"), gradesCol: t.col("grades") + 1,
			names: [4]string{t.get("givenName"), t.get("familyName"),
				t.get("preferredGivenName", "preferredFirstName"), t.get("preferredFamilyName", "preferredLastName")},
			nameCol: t.col("givenName") + 1}
		r.users[id] = u
		r.order = append(r.order, u)
		if r.m.usesRoles || !strings.EqualFold(t.get("role"), "student") {
			continue
		}
		u.studentSeen = true
		if removed {
			continue
		}
		if !domain.ValidID(id) {
			return t.errAt("sourcedId", "%q cannot be a learner id of the ledger (1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'); the import does not rewrite ids, so that they keep matching the information system's", id)
		}
		school, err := r.oneSchool(t.get("orgSourcedIds"))
		if err != nil {
			return t.errAt("orgSourcedIds", "student %q: %v", id, err)
		}
		u.school = school
	}
}

// oneSchool resolves a 1.1 user's orgs to exactly one school.
func (r *reader) oneSchool(list string) (string, error) {
	var school string
	var firstErr error
	for o := range strings.SplitSeq(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		s, err := r.school(o)
		if err != nil {
			if _, known := r.orgs[o]; !known {
				return "", err // an unknown org is a fault wherever it stands
			}
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if school != "" && s != school {
			return "", fmt.Errorf("the orgs name two schools, %q and %q; the ledger enrolls a learner at one", school, s)
		}
		school = s
	}
	switch {
	case school != "":
		return school, nil
	case firstErr != nil:
		return "", firstErr
	}
	return "", errors.New("names no org")
}

func (r *reader) readRoles() error {
	t, err := openTable(r.fsys, r.files, rolesFile)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := t.require("userSourcedId", "roleType", "role", "orgSourcedId"); err != nil {
		return err
	}
	for {
		ok, err := t.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		removed, err := r.status(t)
		if err != nil {
			return err
		}
		if _, err := date(t); err != nil {
			return err
		}
		if !strings.EqualFold(t.get("role"), "student") || !strings.EqualFold(t.get("roleType"), "primary") {
			continue
		}
		uid := t.get("userSourcedId")
		u, ok := r.users[uid]
		switch {
		case !ok && r.m.bulk():
			return t.errAt("userSourcedId", "user %q is not in %s", uid, usersFile)
		case !ok:
			continue // a delta file lists only the users that changed
		}
		u.studentSeen = true
		if removed || u.removed {
			continue
		}
		if !domain.ValidID(uid) {
			return &FileError{File: usersFile, Line: u.line, Column: u.idCol, Name: "sourcedId",
				Message: fmt.Sprintf("%q cannot be a learner id of the ledger (1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'); the import does not rewrite ids, so that they keep matching the information system's", uid)}
		}
		school, err := r.school(t.get("orgSourcedId"))
		if err != nil {
			return t.errAt("orgSourcedId", "student %q: %v", uid, err)
		}
		if u.school != "" && u.school != school {
			return t.errAt("orgSourcedId", "student %q has a second primary student role, at %q after %q; the ledger enrolls a learner at one school", uid, school, u.school)
		}
		u.school = school
	}
}

// cohort maps a user's grades to a cohort: "grade-" and the first grade,
// numbers without leading zeros ("06" is grade-6, as DOMAIN.md writes it).
func cohort(grades string) (string, error) {
	first, _, _ := strings.Cut(grades, ",")
	first = strings.TrimSpace(first)
	if first == "" {
		return Unassigned, nil
	}
	if n, err := strconv.Atoi(first); err == nil && n >= 0 {
		first = strconv.Itoa(n)
	}
	c := "grade-" + first
	if !domain.ValidID(c) {
		return "", fmt.Errorf("grade %q cannot make a cohort id of the ledger", first)
	}
	return c, nil
}

func (r *reader) roster() (*Roster, error) {
	r.rs.Version, r.rs.Bulk = r.m.version, r.m.bulk()
	for _, u := range r.order {
		switch {
		case u.removed || (u.studentSeen && u.school == ""):
			// Marked tobedeleted, or every student role of theirs is.
			r.rs.Removed = append(r.rs.Removed, u.id)
		case u.school != "":
			c, err := cohort(u.grades)
			if err != nil {
				return nil, &FileError{File: usersFile, Line: u.line, Column: u.gradesCol, Name: "grades", Message: fmt.Sprintf("student %q: %v", u.id, err)}
			}
			r.rs.Students = append(r.rs.Students, Student{ID: u.id, SchoolID: u.school, Cohort: c, DateLastModified: u.dlm,
				GivenName: u.names[0], FamilyName: u.names[1], PreferredGivenName: u.names[2], PreferredFamilyName: u.names[3],
				Line: u.line, nameCol: u.nameCol})
		}
	}
	return &r.rs, nil
}
