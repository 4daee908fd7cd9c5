package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// Parse reads one policy as the command line and the HTTP API name it:
// NAME[,k=v…], for example "bkt,pT=0.3,pF=0.05" or
// "decaying-average,canvas=1", and looks it up. Values are numbers.
//
// An option that is not k=v with a number as v, or that names a parameter
// twice, is refused with an error matching ErrInvalidPolicy that names it;
// otherwise Parse returns what Lookup returns (a *ParamError names the
// parameter).
func Parse(s string) (Policy, error) {
	name, rest, _ := strings.Cut(s, ",")
	params := map[string]float64{}
	if rest != "" {
		for _, kv := range strings.Split(rest, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return Policy{}, fmt.Errorf("%w: %s: option %q is not k=v", ErrInvalidPolicy, name, kv)
			}
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return Policy{}, fmt.Errorf("%w: %s: option %s=%q: the value is not a number", ErrInvalidPolicy, name, k, v)
			}
			if _, twice := params[k]; twice {
				return Policy{}, fmt.Errorf("%w: %s: option %s is given twice", ErrInvalidPolicy, name, k)
			}
			params[k] = f
		}
	}
	return Lookup(name, params)
}
