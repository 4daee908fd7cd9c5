package casefile

import (
	"cmp"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/masteryledger/ledger/domain"
)

// Mapped is one standard as a package gives it: what a PublishStandard
// command would carry, and where in the package it came from.
type Mapped struct {
	StandardID string
	Framework  string
	Code       string
	Title      string
	Statement  string
	Components []domain.Component
	// Scale is nil for the default scale: the item has no rubric.
	Scale *domain.Scale
	Case  domain.CaseRef
	// Changed is the item's lastChangeDateTime; zero if it has none.
	Changed time.Time
	// Path is the item's place in the package, for messages.
	Path string
}

// typeStandard is the CFItemType that marks a standard, compared without
// regard to case.
const typeStandard = "standard"

// node is one item with its place in the isChildOf tree.
type node struct {
	index    int
	item     *Item
	children []child
	parents  []string // identifiers of parent items (not the document)
}

type child struct {
	node *node
	seq  *int64
}

// Map turns a parsed package into standards. It is deterministic: the same
// package always gives the same standards, ids and order (the order of the
// items in the package). Returns *InvalidPackageError for items that
// cannot become standards the ledger accepts (a statement over the
// ledger's limit, more components than a standard may have).
func Map(pkg *Package) ([]Mapped, error) {
	nodes := make(map[string]*node, len(pkg.Items))
	for i := range pkg.Items {
		nodes[pkg.Items[i].Identifier] = &node{index: i, item: &pkg.Items[i]}
	}
	type edge struct{ child, parent string }
	seen := make(map[edge]bool)
	for _, a := range pkg.Associations {
		if a.AssociationType != "isChildOf" {
			continue
		}
		c, p := nodes[a.OriginNodeURI.Identifier], nodes[a.DestinationNodeURI.Identifier]
		if c == nil || c == p {
			continue // about something outside the package, or nonsense
		}
		e := edge{a.OriginNodeURI.Identifier, a.DestinationNodeURI.Identifier}
		if seen[e] {
			continue
		}
		seen[e] = true
		if p == nil {
			continue // a child of the document: a top-level item
		}
		p.children = append(p.children, child{node: c, seq: a.SequenceNumber})
		c.parents = append(c.parents, p.item.Identifier)
	}
	for _, n := range nodes {
		slices.SortStableFunc(n.children, compareChildren)
	}

	types := itemTypeTitles(pkg.Definitions)
	typed := false
	for i := range pkg.Items {
		if isStandardType(&pkg.Items[i], types) {
			typed = true
			break
		}
	}
	isStandard := func(n *node) bool {
		if typed {
			return isStandardType(n.item, types)
		}
		return structuralStandard(n, nodes)
	}

	var standards []*node
	for i := range pkg.Items {
		if n := nodes[pkg.Items[i].Identifier]; isStandard(n) {
			standards = append(standards, n)
		}
	}
	codes := make(map[string]int, len(standards))
	for _, n := range standards {
		codes[strings.TrimSpace(n.item.HumanCodingScheme)]++
	}

	rubrics := rubricsByItem(pkg.Rubrics)
	var probs []Problem
	out := make([]Mapped, 0, len(standards))
	for _, n := range standards {
		it := n.item
		path := fmt.Sprintf("$.CFItems[%d]", n.index)
		code := strings.TrimSpace(it.HumanCodingScheme)
		m := Mapped{
			StandardID: standardID(code, it.Identifier, codes[code] > 1),
			Framework:  label(cmp.Or(pkg.Document.Title, pkg.Document.Identifier)),
			Code:       label(cmp.Or(code, it.Identifier)),
			Title:      label(cmp.Or(firstLine(it.AbbreviatedStatement), firstLine(it.FullStatement), code, it.Identifier)),
			Statement:  it.FullStatement,
			Case: domain.CaseRef{
				DocumentIdentifier: pkg.Document.Identifier, DocumentURI: pkg.Document.URI,
				ItemIdentifier: it.Identifier, ItemURI: it.URI, LastChangeDateTime: it.LastChangeDateTime,
			},
			Path: path,
		}
		if t, err := time.Parse(time.RFC3339Nano, it.LastChangeDateTime); err == nil {
			m.Changed = t
		}
		probs = append(probs, checkStatement(path+".fullStatement", it.FullStatement)...)
		var parts []*Item
		for _, c := range n.children {
			if typed && isStandardType(c.node.item, types) {
				continue // a standard of its own, not a step of this one
			}
			parts = append(parts, c.node.item)
			probs = append(probs, checkStatement(fmt.Sprintf("$.CFItems[%d].fullStatement", c.node.index), c.node.item.FullStatement)...)
		}
		if len(parts) == 0 {
			parts = []*Item{it} // the standard is its own single step
		}
		if len(parts) > domain.MaxListLen {
			probs = append(probs, Problem{Path: path, Message: fmt.Sprintf("has %d child items; a standard has at most %d components", len(parts), domain.MaxListLen)})
		}
		m.Components = components(parts)
		if cr, ok := rubrics[it.Identifier]; ok {
			m.Scale = scaleOf(cr)
		}
		out = append(out, m)
	}
	if probs != nil {
		return nil, &InvalidPackageError{Problems: probs}
	}
	return out, nil
}

// structuralStandard decides, for a package whose items carry no
// "Standard" type, whether n is a standard: an item whose children are all
// leaves (they become its components), or a leaf whose parents are none of
// them (a standard with a single component, its own statement).
func structuralStandard(n *node, nodes map[string]*node) bool {
	if len(n.children) > 0 {
		for _, c := range n.children {
			if len(c.node.children) > 0 {
				return false
			}
		}
		return true
	}
	for _, p := range n.parents {
		if structuralStandard(nodes[p], nodes) {
			return false
		}
	}
	return true
}

// compareChildren orders the children of an item: by the association's
// sequenceNumber (those without one last), then listEnumeration (numbers
// as numbers), then humanCodingScheme, then identifier, so that the order
// never depends on the order of the package's arrays.
func compareChildren(a, b child) int {
	switch {
	case a.seq != nil && b.seq != nil:
		if c := cmp.Compare(*a.seq, *b.seq); c != 0 {
			return c
		}
	case a.seq != nil:
		return -1
	case b.seq != nil:
		return 1
	}
	x, y := a.node.item, b.node.item
	if c := compareEnumeration(x.ListEnumeration, y.ListEnumeration); c != 0 {
		return c
	}
	if c := strings.Compare(x.HumanCodingScheme, y.HumanCodingScheme); c != 0 {
		return c
	}
	return strings.Compare(x.Identifier, y.Identifier)
}

func compareEnumeration(a, b string) int {
	x, errA := strconv.Atoi(strings.TrimSpace(a))
	y, errB := strconv.Atoi(strings.TrimSpace(b))
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return strings.Compare(a, b)
}

// itemTypeTitles maps the package's CFItemType identifiers to their titles
// (or type codes), for items that name their type only by CFItemTypeURI.
func itemTypeTitles(d *Definitions) map[string]string {
	out := make(map[string]string)
	if d == nil {
		return out
	}
	for _, t := range d.ItemTypes {
		out[t.Identifier] = cmp.Or(t.TypeCode, t.Title)
	}
	return out
}

func isStandardType(it *Item, types map[string]string) bool {
	name := it.CFItemType
	if name == "" && it.CFItemTypeURI != nil {
		name = cmp.Or(it.CFItemTypeURI.Title, types[it.CFItemTypeURI.Identifier])
	}
	return strings.EqualFold(strings.TrimSpace(name), typeStandard)
}

// components makes the ordered components of a standard from its parts.
// A component's id is its item's humanCodingScheme where that is a valid
// ledger id, so that evidence recorded against it reads well, else one
// derived from the item's identifier; ids that would repeat within the
// standard all take a hash suffix instead.
func components(parts []*Item) []domain.Component {
	ids := make([]string, len(parts))
	count := make(map[string]int, len(parts))
	for i, p := range parts {
		ids[i] = componentID(strings.TrimSpace(p.HumanCodingScheme), p.Identifier, false)
		count[ids[i]]++
	}
	out := make([]domain.Component, len(parts))
	for i, p := range parts {
		id := ids[i]
		if count[id] > 1 {
			id = componentID(strings.TrimSpace(p.HumanCodingScheme), p.Identifier, true)
		}
		out[i] = domain.Component{ID: id, Statement: p.FullStatement, CaseIdentifier: p.Identifier, CaseURI: p.URI}
	}
	return out
}

func componentID(code, identifier string, clash bool) string {
	if code == "" {
		if domain.ValidID(identifier) && !clash {
			return identifier
		}
		return hashedID("c", identifier)
	}
	if domain.ValidID(code) && !clash {
		return code
	}
	return hashedID(code, identifier)
}

// standardID derives a standard's id from its humanCodingScheme: the code
// itself when it is a valid ledger id and no other standard of the package
// has it; otherwise a slug of the code with a hash of the item's
// identifier, so that long or odd codes, and codes that repeat, still give
// one id each, the same on every run. An item without a code is
// "case-" and its identifier.
func standardID(code, identifier string, repeated bool) string {
	if code == "" {
		if id := "case-" + identifier; domain.ValidID(id) {
			return id
		}
		return hashedID("case", identifier)
	}
	if domain.ValidID(code) && !repeated {
		return code
	}
	return hashedID(code, identifier)
}

// hashedID is slug(base) + "-" + 8 hex digits of SHA-1(identifier), at
// most domain.MaxIDLen characters.
func hashedID(base, identifier string) string {
	sum := sha1.Sum([]byte(identifier))
	suffix := "-" + hex.EncodeToString(sum[:4])
	s := slug(base)
	if max := domain.MaxIDLen - len(suffix); len(s) > max {
		s = strings.TrimRight(s[:max], "-.")
	}
	if s == "" {
		s = "case"
	}
	return s + suffix
}

// slug keeps the characters a ledger id allows and turns every run of
// others into one '-'.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' {
			b.WriteByte(c)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-.")
}

// label fits a derived label (framework, code, title) into the ledger's
// limit for names, cutting at a rune boundary with an ellipsis: these are
// summaries of what the package holds in full elsewhere.
func label(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= domain.MaxNameLen {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:domain.MaxNameLen-1])) + "…"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// checkStatement refuses statements the ledger cannot hold as they are:
// empty ones, and those over its limit. They are not cut: a statement is
// the standard's content, and a cut one would say something else.
func checkStatement(path, s string) []Problem {
	switch {
	case strings.TrimSpace(s) == "":
		return []Problem{{Path: path, Message: "is empty; a standard and each of its components need a statement"}}
	case utf8.RuneCountInString(s) > domain.MaxTextLen:
		return []Problem{{Path: path, Message: fmt.Sprintf("has %d characters; the ledger holds statements of at most %d", utf8.RuneCountInString(s), domain.MaxTextLen)}}
	}
	return nil
}

// rubricsByItem finds, for each item, the rubric criterion that assesses
// it: the one with the lowest position (then identifier) among those whose
// CFItemURI names the item.
func rubricsByItem(rubrics []Rubric) map[string]Criterion {
	out := make(map[string]Criterion)
	for _, r := range rubrics {
		for _, c := range r.Criteria {
			if c.CFItemURI == nil || c.CFItemURI.Identifier == "" {
				continue
			}
			id := c.CFItemURI.Identifier
			if have, ok := out[id]; !ok || compareCriteria(c, have) < 0 {
				out[id] = c
			}
		}
	}
	return out
}

func compareCriteria(a, b Criterion) int {
	pa, pb := int64(1<<62), int64(1<<62)
	if a.Position != nil {
		pa = *a.Position
	}
	if b.Position != nil {
		pb = *b.Position
	}
	if c := cmp.Compare(pa, pb); c != 0 {
		return c
	}
	return strings.Compare(a.Identifier, b.Identifier)
}

// scaleOf turns a rubric criterion's levels into a scale, or nil (the
// default scale) when they cannot make one: fewer than 2 or more than
// domain.MaxScaleLevels levels.
//
// Levels are ordered from lowest to highest by score when every level has
// one, else by position when every level has one, else as listed; they are
// numbered 1 to n in that order (scores may be fractions or repeat, and a
// ledger level is a whole number). The proficient level is the lowest whose
// label starts with "proficient" or "meets" (case aside), if that is not
// the lowest level; otherwise the level just below the top (level n-1) for
// three or more levels, the top for two — the default scale's rule.
func scaleOf(c Criterion) *domain.Scale {
	levels := slices.Clone(c.Levels)
	n := len(levels)
	if n < 2 || n > domain.MaxScaleLevels {
		return nil
	}
	allScored, allPlaced := true, true
	for _, l := range levels {
		allScored = allScored && l.Score != nil
		allPlaced = allPlaced && l.Position != nil
	}
	switch {
	case allScored:
		slices.SortStableFunc(levels, func(a, b CriterionLevel) int { return cmp.Compare(*a.Score, *b.Score) })
	case allPlaced:
		slices.SortStableFunc(levels, func(a, b CriterionLevel) int { return cmp.Compare(*a.Position, *b.Position) })
	}
	s := &domain.Scale{Levels: make([]domain.Level, n)}
	for i, l := range levels {
		s.Levels[i] = domain.Level{Level: i + 1, Label: label(cmp.Or(firstLine(l.Quality), firstLine(l.Description), fmt.Sprintf("Level %d", i+1)))}
	}
	for _, l := range s.Levels[1:] {
		lower := strings.ToLower(l.Label)
		if strings.HasPrefix(lower, "proficient") || strings.HasPrefix(lower, "meets") {
			s.Proficient = l.Level
			return s
		}
	}
	s.Proficient = n - 1
	if n == 2 {
		s.Proficient = n
	}
	return s
}
