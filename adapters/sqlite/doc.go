// Package sqlite is the embedded event store: the default domain.EventStore,
// one SQLite file in a data directory, with no server to install.
//
// # Why SQLite
//
// An auditor can open the file with any SQLite tool and query it; SQLite's
// crash safety is among the most tested anywhere; standard backup and
// replication tools work on it. docs/storage.md gives the measurements behind
// the choice and the reason for each index.
//
// # Durability and order
//
// The database runs in WAL mode with synchronous=FULL: a commit returns only
// after the log is synced, so an acknowledged append survives a crash. One
// writer goroutine owns the only write connection and group-commits whatever
// appends are pending in one transaction, so concurrent appenders share one
// sync. Because a single writer assigns positions inside serialised
// transactions, the global order is dense (1, 2, 3, …) and commits become
// visible in position order: a reader that resumes after the last position it
// saw can never skip an event that committed late with an earlier number.
//
// # Salts and older databases
//
// The writer draws a fresh salt for every event it records and stores it
// with the event; the hash covers it (docs/hash-chain.md, version 2). Open
// migrates a database made before salts by adding the salt column in one
// transaction: its events keep the empty salt and hash as version 1, and
// new events chain onto them. A database made by a later version is
// refused with ErrNewerSchema.
//
// # Caveats
//
// One process owns a data directory at a time; a second Open gets ErrLocked.
// The lock is an advisory flock, which holds on local file systems.
// OpenReadOnly reads without writing anything, also a copy that cannot be
// written, and shares the lock with other readers.
//
// The data directory is 0700 and its files 0600; Open narrows wider modes
// and logs it. A full disk refuses appends with domain.ErrStorageFull and
// nothing else: reads go on, appends succeed again once space is freed, and
// a restart on a full disk opens for reading.
package sqlite
