package browsertest

import (
	"strings"
	"testing"
)

// pdfOf builds a PDF-like text from objects, enough for the counter, which
// reads only the dictionaries.
func pdfOf(objects ...string) []byte {
	return []byte("%PDF-1.4\n" + strings.Join(objects, "\n") + "\n%%EOF\n")
}

func TestCountPDFPages(t *testing.T) {
	tests := []struct {
		name    string
		pdf     []byte
		want    int
		wantErr string
	}{
		{
			name: "one page",
			pdf: pdfOf(
				"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
				"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj",
				"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj",
			),
			want: 1,
		},
		{
			name: "three pages in a nested tree, compact spelling",
			pdf: pdfOf(
				"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj",
				"2 0 obj<</Type/Pages/Kids[4 0 R 3 0 R]/Count 3>>endobj",
				"4 0 obj<</Type/Pages/Parent 2 0 R/Kids[5 0 R 6 0 R]/Count 2>>endobj",
				"3 0 obj<</Type/Page/Parent 2 0 R>>endobj",
				"5 0 obj<</Type/Page/Parent 4 0 R/Resources<</Font<</F1 7 0 R>>>>>>endobj",
				"6 0 obj<</Type/Page\n/Parent 4 0 R>>endobj",
			),
			want: 3,
		},
		{
			name: "a /Count in a nested dictionary is not the tree's",
			pdf: pdfOf(
				"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 /X << /Count 9 >> >> endobj",
				"3 0 obj << /Type /Page /Parent 2 0 R >> endobj",
				"8 0 obj << /Type /Outlines /Count 12 >> endobj",
			),
			want: 1,
		},
		{
			name:    "page objects and tree disagree",
			pdf:     pdfOf("2 0 obj << /Type /Pages /Count 2 >> endobj", "3 0 obj << /Type /Page >> endobj"),
			wantErr: "1 page objects but the page tree counts 2",
		},
		{
			name:    "no page tree",
			pdf:     pdfOf("3 0 obj << /Type /Page >> endobj"),
			wantErr: "no page tree",
		},
		{
			name:    "nothing readable",
			pdf:     pdfOf("5 0 obj << /Type /ObjStm /N 3 /Filter /FlateDecode >> stream ... endstream endobj"),
			wantErr: "no page objects",
		},
		{
			name:    "tree without a count",
			pdf:     pdfOf("2 0 obj << /Type /Pages /Kids [] >> endobj"),
			wantErr: "has no /Count",
		},
		{
			name:    "not a PDF",
			pdf:     []byte("<html>/Type /Page</html>"),
			wantErr: "not a PDF",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CountPDFPages(tt.pdf)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CountPDFPages = %d, %v; want an error with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CountPDFPages = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}
