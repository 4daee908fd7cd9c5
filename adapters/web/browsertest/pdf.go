package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// PrintPDF prints the page in the tab of ctx as the browser's print dialog
// would with default settings on the given paper (chromedp.PaperA4,
// chromedp.PaperLetter): the print style sheet applies, no header or footer.
func PrintPDF(ctx context.Context, paper chromedp.PaperSize) ([]byte, error) {
	actx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	pdf, err := chromedp.Run(actx, chromedp.PrintToPDF(chromedp.PDFPaper(paper)))
	if err != nil {
		return nil, fmt.Errorf("printing to PDF: %w", err)
	}
	return pdf, nil
}

// PrintPages prints the page in the tab on the given paper and returns how
// many pages the PDF has. A test of a page that must fit one sheet checks
// it on both chromedp.PaperA4 and chromedp.PaperLetter: a school prints on
// A4 in most countries and on Letter in North America.
func PrintPages(ctx context.Context, t testing.TB, paper chromedp.PaperSize) int {
	t.Helper()
	pdf, err := PrintPDF(ctx, paper)
	if err != nil {
		t.Fatal(err)
	}
	n, err := CountPDFPages(pdf)
	if err != nil {
		t.Fatalf("counting the pages of the printed PDF: %v", err)
	}
	return n
}

// A PDF name ends at white space or a delimiter; \b would also end "/Page"
// inside "/Pages", so the patterns spell the end out. Chromium's PDFs
// (Skia) keep their object dictionaries uncompressed, which these patterns
// rely on; a PDF with the page tree in compressed object streams gives an
// error rather than a wrong count.
const pdfNameEnd = `(?:[\s/<>\[\]()%{}]|$)`

// CountPDFPages counts the pages of a PDF two ways, the page objects
// (/Type /Page) and the /Count of the root of the page tree (the largest
// /Count of a /Type /Pages dictionary), and returns the count if the two
// agree.
func CountPDFPages(pdf []byte) (int, error) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return 0, errors.New("not a PDF: no %PDF- header")
	}
	leafRE := regexp.MustCompile(`/Type\s*/Page` + pdfNameEnd)
	treeRE := regexp.MustCompile(`/Type\s*/Pages` + pdfNameEnd)
	countRE := regexp.MustCompile(`/Count\s+(\d+)`)

	leaves := len(leafRE.FindAllIndex(pdf, -1))
	root := -1
	for _, m := range treeRE.FindAllIndex(pdf, -1) {
		dict, ok := enclosingDict(pdf, m[0])
		if !ok {
			return 0, fmt.Errorf("a /Type /Pages at byte %d is not inside a dictionary", m[0])
		}
		c := countRE.FindSubmatch(dict)
		if c == nil {
			return 0, fmt.Errorf("the /Type /Pages dictionary at byte %d has no /Count", m[0])
		}
		n, err := strconv.Atoi(string(c[1]))
		if err != nil {
			return 0, fmt.Errorf("the /Count at byte %d: %w", m[0], err)
		}
		root = max(root, n)
	}
	switch {
	case leaves == 0 && root < 0:
		return 0, errors.New("no page objects and no page tree found (compressed object streams?)")
	case root < 0:
		return 0, fmt.Errorf("%d page objects but no page tree", leaves)
	case leaves != root:
		return 0, fmt.Errorf("%d page objects but the page tree counts %d", leaves, root)
	}
	return leaves, nil
}

// enclosingDict returns the dictionary (from "<<" to its matching ">>")
// that contains the byte at pos, without the dictionaries nested in it, so
// that a /Count of a nested dictionary is not taken for the page tree's.
func enclosingDict(pdf []byte, pos int) ([]byte, bool) {
	// Back to the nearest "<<" that is not closed before pos.
	start, depth := -1, 0
	for i := pos - 1; i >= 1; i-- {
		switch {
		case pdf[i-1] == '>' && pdf[i] == '>':
			depth++
			i--
		case pdf[i-1] == '<' && pdf[i] == '<':
			if depth == 0 {
				start = i - 1
			} else {
				depth--
			}
			i--
		}
		if start >= 0 {
			break
		}
	}
	if start < 0 {
		return nil, false
	}
	// Forward to its ">>", keeping only the text at depth 1.
	var own []byte
	depth = 0
	for i := start; i+1 < len(pdf); i++ {
		switch {
		case pdf[i] == '<' && pdf[i+1] == '<':
			depth++
			i++
			continue
		case pdf[i] == '>' && pdf[i+1] == '>':
			depth--
			i++
			if depth == 0 {
				return own, true
			}
			continue
		}
		if depth == 1 {
			own = append(own, pdf[i])
		}
	}
	return nil, false
}

// OnePage fails the test unless the page in the tab prints on exactly one
// sheet of both A4 and Letter paper.
func OnePage(ctx context.Context, t testing.TB, pageName string) {
	t.Helper()
	for _, paper := range []struct {
		name string
		size chromedp.PaperSize
	}{{"A4", chromedp.PaperA4}, {"Letter", chromedp.PaperLetter}} {
		if n := PrintPages(ctx, t, paper.size); n != 1 {
			t.Errorf("%s prints on %d pages of %s paper; want 1", pageName, n, paper.name)
		}
	}
}
