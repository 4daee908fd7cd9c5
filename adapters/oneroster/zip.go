package oneroster

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync/atomic"
)

// ErrArchiveTooLarge is wrapped when a zip has more entries, or inflates
// to more bytes, than its Limits allow (HTTP 413).
var ErrArchiveTooLarge = errors.New("the archive is too large")

// Limits bound what a zip may hold. Zero fields take DefaultLimits'.
type Limits struct {
	// MaxEntries caps the files and folders the archive lists.
	MaxEntries int
	// MaxBytes caps the bytes read out of it, all files together. It is
	// counted as they inflate, not taken from the archive's own claims,
	// which a zip bomb lies about.
	MaxBytes int64
}

// DefaultLimits fit a district's roster many times over: 10,000 learners
// make a users.csv of about 2 MB.
var DefaultLimits = Limits{MaxEntries: 256, MaxBytes: 512 << 20}

// OpenZip opens a zipped set for Read, within lim (nil: DefaultLimits).
//
// Returns an error wrapping ErrArchiveTooLarge for too many entries or
// declared sizes over the cap, and one wrapping ErrBadRoster if r is not a
// zip archive. Reading past the cap later fails with ErrArchiveTooLarge.
func OpenZip(r io.ReaderAt, size int64, lim *Limits) (fs.FS, error) {
	l := DefaultLimits
	if lim != nil {
		if lim.MaxEntries > 0 {
			l.MaxEntries = lim.MaxEntries
		}
		if lim.MaxBytes > 0 {
			l.MaxBytes = lim.MaxBytes
		}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a zip archive: %v: %w", err, ErrBadRoster)
	}
	if len(zr.File) > l.MaxEntries {
		return nil, fmt.Errorf("%d entries, over the limit of %d: %w", len(zr.File), l.MaxEntries, ErrArchiveTooLarge)
	}
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
		if declared > uint64(l.MaxBytes) {
			return nil, fmt.Errorf("its files claim more than %d bytes: %w", l.MaxBytes, ErrArchiveTooLarge)
		}
	}
	z := &zipFS{zr: zr, max: l.MaxBytes}
	return z, nil
}

// zipFS counts every byte its files inflate against one budget.
type zipFS struct {
	zr   *zip.Reader
	max  int64
	read atomic.Int64
}

func (z *zipFS) Open(name string) (fs.File, error) {
	f, err := z.zr.Open(name)
	if err != nil {
		return nil, err
	}
	return &zipFile{File: f, z: z}, nil
}

// ReadDir lets fs.ReadDir and fs.Glob list the archive.
func (z *zipFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(z.zr, name) }

type zipFile struct {
	fs.File
	z *zipFS
}

func (f *zipFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	if f.z.read.Add(int64(n)) > f.z.max {
		return n, fmt.Errorf("it inflates to more than %d bytes: %w", f.z.max, ErrArchiveTooLarge)
	}
	return n, err
}
