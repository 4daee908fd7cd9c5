package browsertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Reach is what pressing Tab through a page found.
type Reach struct {
	// Order describes the elements focused, in the order Tab reached them.
	Order []string
	// Unreached describes the visible links and controls that Tab never
	// focused.
	Unreached []string
	// Trap describes an element from which Tab did not move focus on, if
	// there was one (a keyboard trap, WCAG 2.1.2).
	Trap string
}

// markScript collects, in the page, the elements a keyboard user must be able
// to reach: visible links, buttons, inputs, selects, textareas, summaries and
// elements with tabindex >= 0, not disabled or inert. It keeps them in a
// variable of the page, under a name no page of the service uses, for the
// scripts below, and returns how many.
//
// A link with tabindex=-1 stays in the list: that is exactly the link the
// check is for. Radio buttons count per group, because Tab enters a group
// once and the arrow keys move within it.
const markScript = `(() => {
	const sel = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
	const all = Array.from(document.querySelectorAll(sel)).filter(el => {
		if (el.disabled) return false;
		if (el.closest('[inert]')) return false;
		const native = el.matches('a[href], area[href], button, input, select, textarea, summary');
		if (!native && el.tabIndex < 0) return false;
		return el.checkVisibility({visibilityProperty: true});
	});
	window.__ledgerKeyboardReach = {all: all, seen: new Set()};
	return all.length;
})()`

// stepScript records the element that has focus now and returns its index
// in the list, -1 for an element outside it, or -2 when nothing (the
// document) has focus.
const stepScript = `(() => {
	const s = window.__ledgerKeyboardReach;
	const el = document.activeElement;
	if (!el || el === document.body || el === document.documentElement) return -2;
	const i = s.all.indexOf(el);
	if (i >= 0) s.seen.add(el);
	return i;
})()`

// resultScript describes the elements focused (by index) and those never
// reached, counting a radio group as reached when one of its buttons was.
const resultScript = `(() => {
	const s = window.__ledgerKeyboardReach;
	const describe = el => {
		let d = el.tagName.toLowerCase();
		if (el.id) d += '#' + el.id;
		if (el.getAttribute('href') !== null) d += '[href="' + el.getAttribute('href') + '"]';
		if (el.getAttribute('name') !== null) d += '[name="' + el.getAttribute('name') + '"]';
		if (el.getAttribute('tabindex') !== null) d += '[tabindex="' + el.getAttribute('tabindex') + '"]';
		const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
		if (text) d += ' "' + text.slice(0, 40) + '"';
		return d;
	};
	const group = el => el.type === 'radio' && el.name ? (el.form ? 'f' : 'd') + ':' + el.name : null;
	const reachedGroups = new Set();
	for (const el of s.seen) { const g = group(el); if (g) reachedGroups.add(g); }
	const unreached = s.all.filter(el => !s.seen.has(el) && !(group(el) && reachedGroups.has(group(el))));
	return {all: s.all.map(describe), unreached: unreached.map(describe)};
})()`

// KeyboardReachOf presses Tab through the page in the tab of ctx, from the
// top of the page until focus comes back to the first element it reached, and
// reports which of the page's visible links and controls it never focused.
func KeyboardReachOf(ctx context.Context) (Reach, error) {
	var r Reach
	n, err := eval[int](ctx, markScript)
	if err != nil {
		return r, fmt.Errorf("listing the focusable elements: %w", err)
	}
	// Start from the top of the document, as a user arriving on the page:
	// nothing focused.
	if _, err := eval[chromedp.Void](ctx, `document.activeElement && document.activeElement.blur && document.activeElement.blur()`); err != nil {
		return r, err
	}
	// Each element once, plus the document and the browser's own stops
	// between two rounds, plus a margin: a page that needs more presses than
	// this to cycle has elements that Tab visits more than once.
	maxPresses := 2*n + 10
	var order []int
	// first and prev are indexes as stepScript returns them; -3 is none yet.
	first, prev, trap := -3, -3, -1
	for range maxPresses {
		if err := run(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			return r, fmt.Errorf("pressing Tab: %w", err)
		}
		i, err := eval[int](ctx, stepScript)
		if err != nil {
			return r, fmt.Errorf("reading the focused element: %w", err)
		}
		if i == -2 {
			// Focus left the page's elements (past the last one);
			// the next Tab starts again at the top.
			prev = i
			continue
		}
		if i == first {
			break
		}
		if i >= 0 && i == prev {
			trap = i
			break
		}
		if first == -3 && i >= 0 {
			first = i
		}
		order = append(order, i)
		prev = i
	}
	type result struct {
		All       []string `json:"all"`
		Unreached []string `json:"unreached"`
	}
	res, err := eval[result](ctx, resultScript)
	if err != nil {
		return r, fmt.Errorf("describing the elements: %w", err)
	}
	for _, i := range order {
		if i >= 0 && i < len(res.All) {
			r.Order = append(r.Order, res.All[i])
		} else {
			r.Order = append(r.Order, "(an element outside the list)")
		}
	}
	if trap >= 0 && trap < len(res.All) {
		r.Trap = res.All[trap]
	}
	r.Unreached = res.Unreached
	return r, nil
}

// KeyboardReach fails the test for each visible link or control of the page
// in the tab that the Tab key alone never focuses, and for a keyboard trap.
func KeyboardReach(ctx context.Context, t testing.TB) {
	t.Helper()
	r, err := KeyboardReachOf(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Trap != "" {
		t.Errorf("keyboard trap: Tab does not move focus on from %s", r.Trap)
	}
	for _, u := range r.Unreached {
		t.Errorf("not reachable with Tab: %s (Tab order: %v)", u, r.Order)
	}
}
