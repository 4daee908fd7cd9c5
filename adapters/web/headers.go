package web

import "net/http"

// contentSecurityPolicy allows the page's own origin only: no inline
// script or style, nothing from another host, no framing, and forms that
// post back to the ledger only.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// setSecurityHeaders sets the headers every answer of the pages carries,
// static files and error pages included.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// Older browsers that ignore frame-ancestors.
	h.Set("X-Frame-Options", "DENY")
}
