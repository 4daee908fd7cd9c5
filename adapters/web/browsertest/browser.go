package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ActionTimeout bounds each browser action of the package (a navigation, a
// script, a key press, a print). A page of the service answers from loopback
// in milliseconds; the margin is for a loaded CI machine with two cores.
const ActionTimeout = 20 * time.Second

// startTimeout bounds the start of the browser process and its first tab,
// or of a new tab.
const startTimeout = 60 * time.Second

// closeTimeout bounds the graceful close of the browser at the end of a
// test; the process is killed after it.
const closeTimeout = 10 * time.Second

// Environment variables that change how New finds the browser.
const (
	// EnvBrowser names the browser binary to use instead of searching PATH.
	EnvBrowser = "LEDGER_CHROMIUM"
	// EnvRequire, set to 1, makes a missing browser fail the test rather
	// than skip it. CI sets it, so that its run cannot pass without the
	// browser tests.
	EnvRequire = "LEDGER_REQUIRE_BROWSER"
)

// installHint is what a developer without a browser reads in the skip message.
const installHint = "install it with `sudo apt-get install chromium` (Debian; CI's .ci/run does this itself)"

// FindBrowser returns the path of the browser binary: the value of
// LEDGER_CHROMIUM if set, or else the first of chromium, chromium-browser,
// google-chrome and google-chrome-stable found on PATH.
func FindBrowser() (string, error) {
	if p := os.Getenv(EnvBrowser); p != "" {
		// An explicit choice that does not work is an error, not a
		// reason to pick another browser silently.
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("%s=%q: %w", EnvBrowser, p, err)
		}
		return path, nil
	}
	// Debian's package first, then the names other distributions and
	// Google's package use.
	browserNames := []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
	for _, name := range browserNames {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("no browser found: none of %v is on PATH and %s is not set", browserNames, EnvBrowser)
}

// New starts a headless browser with a fresh profile in a temporary
// directory and returns the context of its first tab, for the actions of
// chromedp and of this package. The browser is closed when the test ends.
//
// Without a browser the test is skipped, or fails if LEDGER_REQUIRE_BROWSER=1.
func New(t testing.TB) context.Context {
	t.Helper()
	path, err := FindBrowser()
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("browser test required (%s=1) but %v; %s", EnvRequire, err, installHint)
		}
		t.Skipf("skipping browser test: %v; %s, or set %s to a Chromium binary", err, installHint, EnvBrowser)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// A profile of the test's own, so that no cookie, cache or
		// storage of another run or of the developer's browser leaks in.
		chromedp.UserDataDir(t.TempDir()),
		// The browser's temporary files too (its singleton socket, and
		// its shared memory, which the default options keep out of
		// /dev/shm): a browser that is killed rather than closed would
		// otherwise leave them in /tmp at every run.
		chromedp.Env("TMPDIR="+t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to start as root with its sandbox; CI runs as
		// root. The pages under test are the project's own.
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	// Cleanups run last-in first-out: a graceful close, then the tab and
	// the browser process, killed if still there (which waits for the
	// process to exit), then t.TempDir's removal of the profile.
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelTab)
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, closeTimeout)
		defer cancel()
		// An error here leaves the kill to the cleanups above.
		_ = chromedp.Cancel(cctx)
	})

	start(ctx, t, "the browser "+path)
	return ctx
}

// NewSession opens a tab in a new browser context of the browser of ctx (a
// context from New): its own cookies, storage and cache, like a private
// window, so that a test can be signed in as two roles at once, or as one
// role after another without signing out. It is closed when the test ends.
func NewSession(ctx context.Context, t testing.TB) context.Context {
	t.Helper()
	sctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	start(sctx, t, "a new browser context")
	return sctx
}

// start runs the first action on a chromedp context, which starts the browser
// or opens the tab, within startTimeout. That first action binds the life of
// the browser or the tab to the context it is given, so it must get the
// test's long-lived context, not one with a timeout: the timeout is kept
// from outside instead. On a timeout, the test's cleanup cancels the context,
// which ends the start.
func start(ctx context.Context, t testing.TB, what string) {
	t.Helper()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("starting %s: %v", what, err)
		}
	case <-timer.C:
		t.Fatalf("starting %s: no answer within %v", what, startTimeout)
	}
}

// Do runs the actions in the browser tab of ctx, in order, within
// ActionTimeout, and fails the test on the first error.
func Do(ctx context.Context, t testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := run(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// run is Do without the test: the error of the first failing action.
func run(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	actx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	err := chromedp.Do(actx, actions...)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("browser action timed out after %v: %w", ActionTimeout, err)
	}
	return err
}

// eval evaluates a script in the page within ActionTimeout and decodes its
// result.
func eval[T any](ctx context.Context, script string, opts ...chromedp.EvaluateOption) (T, error) {
	actx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	return chromedp.Run(actx, chromedp.Evaluate[T](script, opts...))
}

// Navigate loads url in the tab and waits until its body is ready. It fails
// the test if the page cannot be loaded; an HTTP error status is not a
// failure, so that error pages can be checked too.
func Navigate(ctx context.Context, t testing.TB, url string) {
	t.Helper()
	Do(ctx, t, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}

// WaitFor waits, within ActionTimeout, until the JavaScript expression is
// truthy in the page (re-evaluated on each animation frame), and fails the
// test if it does not become so. It is for conditions that no element's
// visibility shows, e.g. that every image has loaded.
func WaitFor(ctx context.Context, t testing.TB, expression string) {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	if _, err := chromedp.Run(actx, chromedp.Poll[bool](expression, chromedp.WithPollingTimeout(ActionTimeout))); err != nil {
		t.Fatalf("waiting for %s: %v", expression, err)
	}
}
