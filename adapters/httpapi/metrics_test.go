package httpapi_test

import (
	"strings"
	"testing"
)

// /metrics needs no token and carries request counts and durations by route
// pattern and status, and the ledger's own counters.
func TestMetricsByRouteAndStatus(t *testing.T) {
	a := newAPI(t, stores[0])
	a.school()
	a.must(201, "POST", "/v1/learners/l-0001/evidence", teacherToken, evidence("c1", 3, "teacher"))
	a.must(409, "POST", "/v1/schools", adminToken, obj{"schoolId": "north", "name": "Again"})
	a.must(401, "GET", "/v1/learners/l-0001/mastery", "", nil)
	body := string(a.must(200, "GET", "/metrics", "", nil).body)
	for _, want := range []string{
		`http_requests_total{route="POST /v1/learners/{learnerId}/evidence",status="201"} 1`,
		`http_requests_total{route="POST /v1/schools",status="409"} 1`,
		`http_requests_total{route="GET /v1/learners/{learnerId}/mastery",status="401"} 1`,
		`http_request_duration_seconds_count{route="POST /v1/learners/{learnerId}/evidence",status="201"} 1`,
		`ledger_appends_total{type="EvidenceRecorded"} 1`,
		`ledger_conflicts_total 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
