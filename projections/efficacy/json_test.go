package efficacy_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// The report's JSON is the HTTP body as is: camelCase names, RFC 3339 times,
// null (never 0 or NaN) where a denominator is zero, [] for empty lists.
func TestReportJSON(t *testing.T) {
	hs := newHistory(t)
	hs.standard("A", "6.RP.A.1", "Ratios")
	hs.school("north")
	hs.enroll("l1", "north", "grade-6", day(0))
	hs.enroll("l2", "north", "grade-6", day(0))
	hs.evidence("l1", "A", day(1))
	hs.goal("l1", "g1", day(1), "A")
	hs.plan("l1", "p1", "g1", day(1))
	hs.notYet("l1", "A", day(2))
	hs.adjust("l1", "p1", "g1", day(3))
	g := hs.agree("l1", "A", day(4))
	a := hs.attempt("l1", "A", true, day(5, 12*h))
	hs.evaluate("l1", "g1", domain.GoalMet, day(6))
	hs.survey("north", "r1", domain.RespondentStaff, "", day(7), 4, 3)
	p := hs.project()

	r := report(t, p, "north", Query{})
	got, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// Agreement→met: day 4 to day 5 12:00 = 1.5 days; first evidence→met:
	// day 1 to day 5 12:00 = 4.5 days. Proficiency 1/2; growth in
	// September 1 met / 2 learners. Persistence: l1's pair on A had a
	// not-yet (day 2), the linked adjustment (day 3), then met: 1/1 by
	// pair and 1/1 by learner; the win says so. Agency: l1's evidence,
	// goal, plan and adjustment, all recorded by the teacher: 0 of 4 by
	// the learner, share 0/4 = 0; no readiness request (share null); l2
	// recorded nothing (null). Across rounds: one round (day 7), l1 and
	// l2 enrolled through it, A published before it and started by l1:
	// 1 met of 2 × 1 = 0.5.
	want := `{
  "schoolId": "north",
  "query": {
    "cohort": null,
    "period": "month",
    "from": null,
    "to": null,
    "winsLimit": 20
  },
  "position": 14,
  "enrolled": {
    "learners": 2,
    "withdrawn": 0,
    "cohorts": [
      {
        "cohort": "grade-6",
        "learners": 2,
        "withdrawn": 0
      }
    ]
  },
  "proficiency": {
    "learners": 2,
    "standards": [
      {
        "standardId": "A",
        "code": "6.RP.A.1",
        "title": "Ratios",
        "retired": false,
        "met": 1,
        "learners": 2,
        "rate": 0.5
      }
    ],
    "overall": {
      "standards": 1,
      "met": 1,
      "possible": 2,
      "rate": 0.5
    }
  },
  "growth": {
    "period": "month",
    "truncated": false,
    "series": [
      {
        "label": "2026-09",
        "start": "2026-09-01T00:00:00Z",
        "end": "2026-10-01T00:00:00Z",
        "met": 1,
        "learners": 2,
        "perLearner": 0.5
      }
    ]
  },
  "persistence": {
    "pairs": 1,
    "metAfterNotYet": 1,
    "persisted": 1,
    "rate": 1,
    "byLearner": {
      "learners": 1,
      "metAfterNotYet": 1,
      "persisted": 1,
      "rate": 1
    }
  },
  "timeToMastery": {
    "agreementToMet": {
      "n": 1,
      "excluded": 0,
      "medianDays": 1.5,
      "p90Days": 1.5
    },
    "firstEvidenceToMet": {
      "n": 1,
      "excluded": 0,
      "medianDays": 4.5,
      "p90Days": 4.5
    }
  },
  "goals": {
    "set": 1,
    "met": 1,
    "notYet": 0,
    "notEvaluated": 0,
    "shareMet": 1
  },
  "wins": [
    {
      "learnerId": "l1",
      "cohort": "grade-6",
      "standardId": "A",
      "code": "6.RP.A.1",
      "title": "Ratios",
      "standardRevision": 1,
      "metAt": "2026-09-06T21:00:00Z",
      "recordedAt": "2026-09-06T22:00:00Z",
      "attemptId": "` + a.String() + `",
      "agreementId": "` + g.String() + `",
      "afterNotYet": true,
      "afterPlanAdjustment": true,
      "trail": "/v1/learners/l1/standards/A/replay"
    }
  ],
  "agency": {
    "period": "month",
    "truncated": false,
    "periods": [
      {
        "label": "2026-09",
        "start": "2026-09-01T00:00:00Z",
        "end": "2026-10-01T00:00:00Z"
      }
    ],
    "overall": {
      "total": {
        "byLearner": 0,
        "byStaff": 4,
        "byTool": 0,
        "share": 0
      },
      "kinds": [
        {
          "kind": "goals",
          "byLearner": 0,
          "byStaff": 1,
          "byTool": 0,
          "share": 0
        },
        {
          "kind": "plans",
          "byLearner": 0,
          "byStaff": 1,
          "byTool": 0,
          "share": 0
        },
        {
          "kind": "planAdjustments",
          "byLearner": 0,
          "byStaff": 1,
          "byTool": 0,
          "share": 0
        },
        {
          "kind": "evidence",
          "byLearner": 0,
          "byStaff": 1,
          "byTool": 0,
          "share": 0
        },
        {
          "kind": "readinessRequests",
          "byLearner": 0,
          "byStaff": 0,
          "byTool": 0,
          "share": null
        }
      ],
      "series": [
        {
          "byLearner": 0,
          "byStaff": 4,
          "byTool": 0,
          "share": 0
        }
      ]
    },
    "byCohort": [
      {
        "cohort": "grade-6",
        "total": {
          "byLearner": 0,
          "byStaff": 4,
          "byTool": 0,
          "share": 0
        },
        "kinds": [
          {
            "kind": "goals",
            "byLearner": 0,
            "byStaff": 1,
            "byTool": 0,
            "share": 0
          },
          {
            "kind": "plans",
            "byLearner": 0,
            "byStaff": 1,
            "byTool": 0,
            "share": 0
          },
          {
            "kind": "planAdjustments",
            "byLearner": 0,
            "byStaff": 1,
            "byTool": 0,
            "share": 0
          },
          {
            "kind": "evidence",
            "byLearner": 0,
            "byStaff": 1,
            "byTool": 0,
            "share": 0
          },
          {
            "kind": "readinessRequests",
            "byLearner": 0,
            "byStaff": 0,
            "byTool": 0,
            "share": null
          }
        ],
        "series": [
          {
            "byLearner": 0,
            "byStaff": 4,
            "byTool": 0,
            "share": 0
          }
        ]
      }
    ],
    "byLearner": [
      {
        "learnerId": "l1",
        "cohort": "grade-6",
        "total": {
          "byLearner": 0,
          "byStaff": 4,
          "byTool": 0,
          "share": 0
        }
      },
      {
        "learnerId": "l2",
        "cohort": "grade-6",
        "total": {
          "byLearner": 0,
          "byStaff": 0,
          "byTool": 0,
          "share": null
        }
      }
    ]
  },
  "acrossRounds": {
    "from": "2026-09-08T09:00:00Z",
    "to": "2026-09-08T09:00:00Z",
    "learners": 2,
    "standards": [
      "A"
    ],
    "rounds": [
      {
        "roundId": "r1",
        "asOf": "2026-09-08T09:00:00Z",
        "met": 1,
        "possible": 2,
        "rate": 0.5
      }
    ]
  },
  "labels": {
    "outcomes": [
      "proficiency",
      "growth",
      "persistence",
      "timeToMastery",
      "goals",
      "wins",
      "acrossRounds"
    ],
    "perceivedEfficacy": [
      "perceived"
    ],
    "agency": [
      "agency"
    ]
  },
  "perceived": [
    {
      "roundId": "r1",
      "asOf": "2026-09-08T09:00:00Z",
      "instrument": null,
      "invited": null,
      "responses": 1,
      "responseRate": null,
      "groups": [
        {
          "respondent": "staff",
          "scaleMin": 1,
          "scaleMax": 5,
          "responses": 1,
          "items": [
            {
              "itemId": "q1",
              "responses": 1,
              "mean": 4
            },
            {
              "itemId": "q2",
              "responses": 1,
              "mean": 3
            }
          ],
          "overall": 3.5
        }
      ],
      "subscales": [],
      "measured": {
        "asOf": "2026-09-08T09:00:00Z",
        "learners": 2,
        "standards": 1,
        "met": 1,
        "possible": 2,
        "rate": 0.5
      }
    }
  ]
}`
	if string(got) != want {
		t.Errorf("report JSON:\n%s\nwant\n%s", got, want)
	}

	// An empty scope: nulls and empty lists.
	r = report(t, p, "north", Query{Cohort: "grade-9"})
	got, _ = json.Marshal(r)
	for _, frag := range []string{
		`"cohorts":[]`, `"standards":[]`, `"overall":{"standards":0,"met":0,"possible":0,"rate":null}`,
		`"series":[]`, `"persistence":{"pairs":0,"metAfterNotYet":0,"persisted":0,"rate":null,"byLearner":{"learners":0,"metAfterNotYet":0,"persisted":0,"rate":null}}`,
		`"agency":{"period":"month","truncated":false,"periods":[],"overall":{"total":{"byLearner":0,"byStaff":0,"byTool":0,"share":null}`,
		`"byCohort":[],"byLearner":[]`,
		`"acrossRounds":{"from":null,"to":null,"learners":0,"standards":[],"rounds":[]}`,
		`"agreementToMet":{"n":0,"excluded":0,"medianDays":null,"p90Days":null}`,
		`"shareMet":null`, `"wins":[]`, `"perceived":[]`,
	} {
		if !bytes.Contains(got, []byte(frag)) {
			t.Errorf("empty report lacks %s:\n%s", frag, got)
		}
	}
}
