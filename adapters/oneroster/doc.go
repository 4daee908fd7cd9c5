// Package oneroster imports a OneRoster bulk CSV set (1EdTech OneRoster
// 1.2, and the 1.1 layout still common in the field) into the ledger:
// schools become SchoolRegistered, students LearnerEnrolled, and students
// the file no longer lists may be withdrawn (LearnerWithdrawn).
//
// # Reading
//
// Read takes the set as an fs.FS: a directory (os.DirFS) or a zip archive
// (OpenZip, which caps the entries and the bytes it inflates, so a small
// archive cannot expand into an unbounded one). It reads manifest.csv,
// orgs.csv, users.csv and, in 1.2, roles.csv; the other files of the set
// (classes, enrollments, academic sessions…) are checked against the
// manifest only, since the ledger keeps no classes. The whole set is read
// and checked before anything is written: a fault is a *FileError naming
// the file, the line and the column, and nothing is appended.
//
// # Mapping
//
// An org of type school is a school, its sourcedId the school id. A user
// with a primary student role (roles.csv in 1.2; role and orgSourcedIds in
// users.csv in 1.1) is a learner, its sourcedId the learner id, at the
// school its org is or belongs to. Ids are never rewritten: a sourcedId the
// ledger cannot take as an id is a fault, so that the ledger's learner ids
// stay the school information system's. The cohort is "grade-" and the
// first of the user's grades, or Unassigned when it has none.
//
// No name, e-mail address or other personal field of the files goes into
// an event. With Options.Profiles the learner's name goes into their
// profile (UpdateProfile), which the command service seals under the
// learner's own key.
//
// # Idempotency
//
// Each command's event id is a version 5 UUID of what the row says (the
// sourcedId, its dateLastModified and the fields the event is made of), and
// the import writes only what the ledger does not hold yet. Importing the
// same files again appends nothing, and an import stopped half way is
// finished by running it again.
//
// The package does its I/O through the fs.FS it is given, the event reader
// and the command port; it keeps no state between calls.
package oneroster
