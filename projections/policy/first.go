package policy

import "math"

// The first* functions find, for one policy, the index of the shortest
// prefix of s (sorted, every level finite and on the valid scale) on which
// the policy's eval says mastered, or -1. Each folds one score at a time
// into the state its eval computes, with the same operations in the same
// order, so that every decision is bit for bit the one Evaluate reaches on
// that prefix.

// levelMastered is the decision of levelOutcome, and of canvasOutcome when
// canvas is set, on the raw value.
func levelMastered(scale Scale, raw float64, canvas bool) bool {
	v := round12(raw)
	if canvas {
		v = round12(canvasRound(v))
	}
	return v >= scale.Proficient
}

func firstLatest(_ Policy, scale Scale, s []Score) int {
	for i, x := range s {
		if levelMastered(scale, x.Level, false) {
			return i
		}
	}
	return -1
}

func firstHighest(_ Policy, scale Scale, s []Score) int {
	best := 0
	for i := range s {
		if s[i].Level > s[best].Level {
			best = i
		}
		if levelMastered(scale, s[best].Level, false) {
			return i
		}
	}
	return -1
}

func firstMean(p Policy, scale Scale, s []Score) int {
	canvas := p.param("canvas") == 1
	sum := 0.0
	for i, x := range s {
		sum += x.Level
		if levelMastered(scale, sum/float64(i+1), canvas) {
			return i
		}
	}
	return -1
}

func firstWeightedAverage(p Policy, scale Scale, s []Score) int {
	if len(s) == 0 {
		return -1
	}
	w := p.param("w")
	canvas := p.param("canvas") == 1
	if levelMastered(scale, s[0].Level, canvas) {
		return 0
	}
	sum := 0.0 // of the scores before the latest, added in order
	for i := 1; i < len(s); i++ {
		sum += s[i-1].Level
		last := s[i].Level
		m := sum / float64(i)
		if levelMastered(scale, m+float64(w*(last-m)), canvas) {
			return i
		}
	}
	return -1
}

func firstDecayingAverage(p Policy, scale Scale, s []Score) int {
	if len(s) == 0 {
		return -1
	}
	w := p.param("w")
	canvas := p.param("canvas") == 1
	d := s[0].Level
	if levelMastered(scale, d, canvas) {
		return 0
	}
	for i := 1; i < len(s); i++ {
		d += float64(w * (s[i].Level - d))
		if levelMastered(scale, d, canvas) {
			return i
		}
	}
	return -1
}

// n-mastery's decision is the count alone (canvas rounds the value only).
func firstNMastery(p Policy, scale Scale, s []Score) int {
	n := p.param("n")
	kept := 0
	for i, x := range s {
		if x.Level >= scale.Proficient {
			kept++
		}
		if !(float64(kept) < n) {
			return i
		}
	}
	return -1
}

// power-law refits on each prefix: the fit's centred sums depend on the
// prefix's means, so only the logarithms and the running sums carry over.
func firstPowerLaw(_ Policy, scale Scale, s []Score) int {
	n := len(s)
	for i, x := range s {
		if x.Level <= 0 { // refused from here on
			n = i
			break
		}
	}
	if n == 0 {
		return -1
	}
	if levelMastered(scale, s[0].Level, false) {
		return 0
	}
	lk := make([]float64, n)
	ly := make([]float64, n)
	sk, sy := 0.0, 0.0
	for j := 0; j < n; j++ {
		lk[j] = math.Log(float64(j + 1))
		ly[j] = math.Log(s[j].Level)
		sk += lk[j]
		sy += ly[j]
		if j == 0 {
			continue
		}
		m := j + 1
		mk, my := sk/float64(m), sy/float64(m)
		sxx, sxy := 0.0, 0.0
		for i := 0; i < m; i++ {
			dk := lk[i] - mk
			sxx += float64(dk * dk)
			sxy += float64(dk * (ly[i] - my))
		}
		b := sxy / sxx
		lnA := my - float64(b*mk)
		fit := round12(math.Exp(lnA + float64(b*lk[m-1])))
		if levelMastered(scale, min(max(fit, scale.Min), scale.Max), false) {
			return j
		}
	}
	return -1
}

func firstBKT(p Policy, scale Scale, s []Score) int {
	b := p.bktParams()
	threshold := p.param("threshold")
	st := b.start()
	for i, x := range s {
		next, err := b.step(st, x.Level >= scale.Proficient)
		if err != nil { // refused from here on
			return -1
		}
		st = next
		if round12(st.known) >= threshold {
			return i
		}
	}
	return -1
}
