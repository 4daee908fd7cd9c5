// Package browsertest drives a real, headless Chromium from the web pages'
// tests, so that what the tests check is what a browser does with the pages:
// the accessibility rules of axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA),
// that the keyboard alone reaches every link and control, how a page prints,
// and which requests a page makes.
//
// New starts the browser for one test and closes it when the test ends. On a
// machine without Chromium the test is skipped, with a message that names the
// package to install; with LEDGER_REQUIRE_BROWSER=1 (which CI sets) it fails
// instead, so that a missing browser cannot pass for a green run. The variable
// LEDGER_CHROMIUM names a browser binary that is not on PATH.
//
// Every browser action of the package runs under a bounded timeout
// (ActionTimeout), and none of them sleeps: they wait for the browser's own
// events and conditions.
//
// A typical test of a page:
//
//	browser := browsertest.New(t)
//	ctx := browsertest.NewSession(browser, t) // cookies of its own, for one role
//	reqs := browsertest.Requests(ctx, t)
//	browsertest.Navigate(ctx, t, srv.URL+"/learners")
//	browsertest.Axe(ctx, t, "learners")
//	browsertest.KeyboardReach(ctx, t)
//	reqs.SameOrigin(t, srv.URL)
//
// docs/testing.md describes the checks and the variables.
package browsertest
