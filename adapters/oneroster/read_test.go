package oneroster

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// set is a OneRoster set in memory: file name → content. Lines are joined
// with "\n".
type set map[string][]string

func (s set) fs() fstest.MapFS {
	m := fstest.MapFS{}
	for name, lines := range s {
		m[name] = &fstest.MapFile{Data: []byte(strings.Join(lines, "\n") + "\n")}
	}
	return m
}

// with returns a copy of s with file name replaced (nil: removed).
func (s set) with(name string, lines ...string) set {
	out := set{}
	for k, v := range s {
		out[k] = v
	}
	if lines == nil {
		delete(out, name)
	} else {
		out[name] = lines
	}
	return out
}

func manifest12(mode string) []string {
	return []string{"propertyName,value", "manifest.version,1.0", "oneroster.version,1.2",
		"file.orgs," + mode, "file.users," + mode, "file.roles," + mode, "file.classes,absent", "source.systemName,Test SIS"}
}

// v12 is a small 1.2 bulk set: a district, two schools (one through a
// department), three students, a teacher.
var v12 = set{
	"manifest.csv": manifest12("bulk"),
	"orgs.csv": {
		"sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
		"d1,,,Valley District,district,,",
		"north,,,North Middle School,school,,d1",
		"south,,2026-01-05,South School,school,,d1",
		"south-sci,,,Science,department,,south",
	},
	"users.csv": {
		"sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns",
		"l-0001,,2026-01-05T10:00:00Z,true,ava,,Avaline,Quarrington,,,ava@example.org,,,,06,,,Ava,,,north,",
		"l-0002,,,true,ben,,Benedikt,Osterhagen,,,ben@example.org,,,,\"07,08\",,,,,,north,",
		"l-0003,,,true,cy,,Cyprian,Velasquez-Moor,,,,,,,,,,,,,south,",
		"t-1,,,true,tea,,Theodora,Lindqvist,,,t@example.org,,,,,,,,,,north,",
	},
	"roles.csv": {
		"sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId",
		"r1,,,l-0001,primary,student,,,north,",
		"r2,,,l-0002,primary,student,,,north,",
		"r3,,,l-0003,primary,student,,,south-sci,",
		"r4,,,t-1,primary,teacher,,,north,",
		"r5,,,l-0001,secondary,student,,,south,",
	},
}

// v11 is the same in the 1.1 layout: role and orgs in users.csv.
var v11 = set{
	"manifest.csv": {"propertyName,value", "manifest.version,1.0", "oneroster.version,1.1", "file.orgs,bulk", "file.users,bulk", "file.enrollments,absent"},
	"orgs.csv":     v12["orgs.csv"],
	"users.csv": {
		"sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password",
		"l-0001,active,2026-01-05T10:00:00Z,true,\"d1,north\",student,ava,,Avaline,Quarrington,,,ava@example.org,,,,06,",
		"l-0002,active,,true,north,student,ben,,Benedikt,Osterhagen,,,ben@example.org,,,,\"07,08\",",
		"l-0003,active,,true,south-sci,student,cy,,Cyprian,Velasquez-Moor,,,,,,,,",
		"t-1,active,,true,north,teacher,tea,,Theodora,Lindqvist,,,t@example.org,,,,,",
		"l-0009,tobedeleted,2026-01-06,true,north,student,old,,Olga,Gone,,,,,,,05,",
	},
}

func TestReadMapping(t *testing.T) {
	wantSchools := []School{{ID: "north", Name: "North Middle School", Line: 3}, {ID: "south", Name: "South School", DateLastModified: "2026-01-05", Line: 4}}
	students := func(s []Student) []string {
		var out []string
		for _, st := range s {
			out = append(out, st.ID+"@"+st.SchoolID+"/"+st.Cohort+" "+st.DisplayName())
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		set      set
		students []string
		removed  []string
		bulk     bool
	}{
		{"1.2 bulk", v12, []string{"l-0001@north/grade-6 Ava Quarrington", "l-0002@north/grade-7 Benedikt Osterhagen", "l-0003@south/unassigned Cyprian Velasquez-Moor"}, nil, true},
		{"1.1 bulk", v11, []string{"l-0001@north/grade-6 Avaline Quarrington", "l-0002@north/grade-7 Benedikt Osterhagen", "l-0003@south/unassigned Cyprian Velasquez-Moor"}, []string{"l-0009"}, true},
		{"1.2 delta", v12.with("manifest.csv", manifest12("delta")...), []string{"l-0001@north/grade-6 Ava Quarrington", "l-0002@north/grade-7 Benedikt Osterhagen", "l-0003@south/unassigned Cyprian Velasquez-Moor"}, nil, false},
		{"1.2 student role tobedeleted", v12.with("roles.csv", append(v12["roles.csv"][:2:2], "r2,tobedeleted,,l-0002,primary,student,,,north,")...),
			[]string{"l-0001@north/grade-6 Ava Quarrington"}, []string{"l-0002"}, true},
		{"1.2 kindergarten and a BOM", v12.with("users.csv", "\ufeff"+v12["users.csv"][0], strings.Replace(v12["users.csv"][1], ",06,", ",KG,", 1)).
			with("roles.csv", v12["roles.csv"][:2]...), []string{"l-0001@north/grade-KG Ava Quarrington"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Read(tc.set.fs())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Schools, wantSchools) {
				t.Errorf("schools: got %+v, want %+v", r.Schools, wantSchools)
			}
			if got := students(r.Students); !reflect.DeepEqual(got, tc.students) {
				t.Errorf("students:\n got %q\nwant %q", got, tc.students)
			}
			if !reflect.DeepEqual(r.Removed, tc.removed) {
				t.Errorf("removed: got %q, want %q", r.Removed, tc.removed)
			}
			if r.Bulk != tc.bulk {
				t.Errorf("bulk: got %v", r.Bulk)
			}
		})
	}
}

func TestCohort(t *testing.T) {
	for in, want := range map[string]string{"": Unassigned, "06": "grade-6", "10": "grade-10", "00": "grade-0", "KG": "grade-KG", "PK,KG": "grade-PK", " 09 , 10": "grade-9"} {
		if got, err := cohort(in); err != nil || got != want {
			t.Errorf("cohort(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := cohort("Grade 6"); err == nil {
		t.Error(`cohort("Grade 6"): no error`)
	}
}

// Every fault names the file, the line and the column (or, for a column
// the header lacks, the column's name).
func TestReadFaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  set
		want FileError
		msg  string
	}{
		{"learner id the ledger cannot take", v12.with("users.csv", v12["users.csv"][0], strings.Replace(v12["users.csv"][1], "l-0001", "l 0001", 1)).
			with("roles.csv", v12["roles.csv"][0], "r1,,,l 0001,primary,student,,,north,"),
			FileError{File: "users.csv", Line: 2, Column: 1, Name: "sourcedId"}, "cannot be a learner id"},
		{"1.1 learner id the ledger cannot take", v11.with("users.csv", v11["users.csv"][0], strings.Replace(v11["users.csv"][2], "l-0002", "l/0002", 1)),
			FileError{File: "users.csv", Line: 2, Column: 1, Name: "sourcedId"}, "does not rewrite ids"},
		{"school id the ledger cannot take", v12.with("orgs.csv", append(v12["orgs.csv"], "école-1,,,École,school,,")...),
			FileError{File: "orgs.csv", Line: 6, Column: 1, Name: "sourcedId"}, "cannot be a school id"},
		{"missing column", v12.with("roles.csv", "sourcedId,userSourcedId,roleType,role", "r1,l-0001,primary,student"),
			FileError{File: "roles.csv", Line: 1, Name: "orgSourcedId"}, `no column "orgSourcedId"`},
		{"1.1 without a role column", v11.with("users.csv", "sourcedId,orgSourcedIds", "l-0001,north"),
			FileError{File: "users.csv", Line: 1, Name: "role"}, "declares no roles file"},
		{"user in an unknown org", v12.with("roles.csv", v12["roles.csv"][0], "r1,,,l-0001,primary,student,,,west,"),
			FileError{File: "roles.csv", Line: 2, Column: 9, Name: "orgSourcedId"}, `org "west" is not in orgs.csv`},
		{"1.1 user in an unknown org", v11.with("users.csv", v11["users.csv"][0], strings.Replace(v11["users.csv"][2], ",north,", ",west,", 1)),
			FileError{File: "users.csv", Line: 2, Column: 5, Name: "orgSourcedIds"}, `org "west" is not in orgs.csv`},
		{"student in a district only", v12.with("roles.csv", v12["roles.csv"][0], "r1,,,l-0001,primary,student,,,d1,"),
			FileError{File: "roles.csv", Line: 2, Column: 9, Name: "orgSourcedId"}, "belongs to no school"},
		{"role of an unknown user", v12.with("roles.csv", v12["roles.csv"][0], "r1,,,l-0404,primary,student,,,north,"),
			FileError{File: "roles.csv", Line: 2, Column: 4, Name: "userSourcedId"}, `user "l-0404" is not in users.csv`},
		{"two schools", v12.with("roles.csv", v12["roles.csv"][0], "r1,,,l-0001,primary,student,,,north,", "r2,,,l-0001,primary,student,,,south,"),
			FileError{File: "roles.csv", Line: 3, Column: 9, Name: "orgSourcedId"}, "second primary student role"},
		{"wrong date format", v12.with("orgs.csv", v12["orgs.csv"][0], "north,,05/01/2026,North,school,,"),
			FileError{File: "orgs.csv", Line: 2, Column: 3, Name: "dateLastModified"}, "not a date"},
		{"wrong status", v12.with("orgs.csv", v12["orgs.csv"][0], "north,deleted,,North,school,,"),
			FileError{File: "orgs.csv", Line: 2, Column: 2, Name: "status"}, "not a status"},
		{"grade that makes no cohort", v12.with("users.csv", v12["users.csv"][0], strings.Replace(v12["users.csv"][1], ",06,", ",Year 6,", 1)).
			with("roles.csv", v12["roles.csv"][:2]...),
			FileError{File: "users.csv", Line: 2, Column: 15, Name: "grades"}, "cohort"},
		{"duplicate user", v12.with("users.csv", append(v12["users.csv"], v12["users.csv"][1])...),
			FileError{File: "users.csv", Line: 6, Column: 1, Name: "sourcedId"}, "listed twice"},
		{"school without a name", v12.with("orgs.csv", v12["orgs.csv"][0], "north,,,,school,,"),
			FileError{File: "orgs.csv", Line: 2, Column: 4, Name: "name"}, "has no name"},
		{"bad CSV", v12.with("orgs.csv", v12["orgs.csv"][0], `north,,,"North,school,,`),
			FileError{File: "orgs.csv", Line: 2, Column: 25}, "not valid CSV"},
		{"manifest declares a file the set lacks", v12.with("roles.csv"),
			FileError{File: "manifest.csv", Line: 6, Column: 2, Name: "value"}, "has no roles.csv"},
		{"manifest says absent, the set holds it", v12.with("classes.csv", "sourcedId"),
			FileError{File: "manifest.csv", Line: 7, Column: 2, Name: "value"}, "declared absent"},
		{"manifest of another version", v12.with("manifest.csv", "propertyName,value", "oneroster.version,1.0"),
			FileError{File: "manifest.csv", Line: 2, Column: 2, Name: "value"}, "1.1 and 1.2"},
		{"manifest without users", v12.with("manifest.csv", "propertyName,value", "oneroster.version,1.2", "file.orgs,bulk"),
			FileError{File: "manifest.csv", Line: 1, Name: "file.users"}, "bulk or delta"},
		{"wrong mode", v12.with("manifest.csv", "propertyName,value", "oneroster.version,1.2", "file.orgs,full"),
			FileError{File: "manifest.csv", Line: 3, Column: 2, Name: "value"}, "want bulk, delta or absent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(tc.set.fs())
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FileError", err)
			}
			if !errors.Is(err, ErrBadRoster) {
				t.Error("not an ErrBadRoster")
			}
			got := *fe
			got.Message = ""
			if got != tc.want || !strings.Contains(fe.Message, tc.msg) {
				t.Errorf("got %q\n(%+v), want %+v and a message with %q", err, got, tc.want, tc.msg)
			}
			if s := err.Error(); !strings.HasPrefix(s, tc.want.File+" line ") {
				t.Errorf("the message %q does not start with the file and line", s)
			}
		})
	}
}

// The public sample sets: one imports, two are refused where they are
// wrong.
func TestReadSamples(t *testing.T) {
	r, err := Read(os.DirFS("testdata/catalyst-1.2-delta"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Schools) != 1 || r.Schools[0].ID != "ORG_1" || len(r.Students) != 1 || r.Students[0].ID != "USER_0" ||
		r.Students[0].Cohort != Unassigned || r.Bulk {
		t.Errorf("got %+v", r)
	}
	for dir, want := range map[string]string{
		"catalyst-1.2-full": `users.csv line 2, column 3 (dateLastModified): "1/05/2023" is not a date`,
		"catalyst-1.1-full": `users.csv line 3, column 5 (orgSourcedIds): student "usr-222-66778899": org "org-sch-222-456" belongs to "org-sch-222-3456", which is not in orgs.csv`,
	} {
		_, err := Read(os.DirFS("testdata/" + dir))
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: got %v, want %s…", dir, err, want)
		}
	}
}

func zipOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (s set) zip(t testing.TB, folder string) []byte {
	files := map[string][]byte{}
	for name, lines := range s {
		files[folder+name] = []byte(strings.Join(lines, "\n") + "\n")
	}
	return zipOf(t, files)
}

func TestZip(t *testing.T) {
	for _, folder := range []string{"", "export-2026/"} {
		raw := v12.zip(t, folder)
		fsys, err := OpenZip(bytes.NewReader(raw), int64(len(raw)), nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Read(fsys)
		if err != nil {
			t.Fatalf("%q: %v", folder, err)
		}
		if len(r.Students) != 3 {
			t.Errorf("%q: %d students", folder, len(r.Students))
		}
	}

	t.Run("not a zip", func(t *testing.T) {
		if _, err := OpenZip(strings.NewReader("PK nonsense"), 11, nil); !errors.Is(err, ErrBadRoster) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("too many entries", func(t *testing.T) {
		files := map[string][]byte{}
		for i := range 10 {
			files[strings.Repeat("x", i+1)+".csv"] = nil
		}
		raw := zipOf(t, files)
		if _, err := OpenZip(bytes.NewReader(raw), int64(len(raw)), &Limits{MaxEntries: 9}); !errors.Is(err, ErrArchiveTooLarge) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("bomb", func(t *testing.T) {
		// 16 MiB of one byte deflates to about 16 KiB.
		big := v12.with("users.csv", v12["users.csv"][0], strings.Repeat("a", 16<<20))
		raw := big.zip(t, "")
		if len(raw) > 1<<20 {
			t.Fatalf("the bomb is %d bytes", len(raw))
		}
		if _, err := OpenZip(bytes.NewReader(raw), int64(len(raw)), &Limits{MaxBytes: 8 << 20}); !errors.Is(err, ErrArchiveTooLarge) {
			t.Errorf("declared sizes: got %v", err)
		}
	})
	t.Run("bomb that lies about its size", func(t *testing.T) {
		// The limit is also counted as bytes inflate: a zip whose headers
		// claim little is stopped at the cap all the same.
		raw := v12.zip(t, "")
		fsys, err := OpenZip(bytes.NewReader(raw), int64(len(raw)), &Limits{MaxBytes: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		fsys.(*zipFS).max = 100 // as if the headers had claimed less than the files hold
		if _, err := Read(fsys); !errors.Is(err, ErrArchiveTooLarge) {
			t.Errorf("got %v", err)
		}
	})
}

var _ fs.ReadDirFS = (*zipFS)(nil)
