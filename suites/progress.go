package suites

import (
	"encoding/binary"
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/scenarios"
)

// The progress file: before each scenario a child records it, in a
// compact binary form, in a ring of the last ringSlots records that the
// file holds, then raises the count in the file's header. The file is
// mapped shared into the child's memory, so a record is a copy and a
// store, not a system call: once stored it is in the kernel's page cache,
// which outlives the child (a scenario that kills the child cannot take
// its record with it). Where the file cannot be mapped, the same bytes are
// written with pwrite. Formatting the scenario as text would cost many
// times as much; the parent decodes the last records only when a child
// died, and reads the header (the count, and the heartbeats of a scenario
// that polls) to see that the child still makes progress.
//
// The layout: a header of ringHeader bytes (the count of records at
// offCount, the heartbeats at offBeats, uint64s in the machine's byte
// order, as the mapped atomic stores make them), then
// ringSlots slots of ringSlot bytes; record n (from 0) is in slot
// n%ringSlots, as appendRecord makes it: a big-endian uint16 length, then
// the record. The count is raised only once the record is whole, and the
// slot written next belongs to a record ringSlots back, older than any the
// parent reads (lastRecords reads fewer than ringSlots), so a child that
// dies mid-copy leaves every counted record readable.
const (
	ringHeader = 64
	offCount   = 8
	offBeats   = 16
	ringSlots  = 16
	ringSlot   = 2 + 0xffff // the largest record appendRecord makes
	ringSize   = ringHeader + ringSlots*ringSlot
	// lastKept is how many of the last records the parent reads back.
	lastKept = 8
)

// progressRing is a child's side of its progress file.
type progressRing struct {
	mem   []byte   // the file, mapped shared; nil where it could not be mapped
	f     *os.File // open for the child's life; written with WriteAt when mem is nil
	n     uint64   // records added; only add touches it (one check at a time)
	beats atomic.Uint64
}

// createRing creates the progress file at path, sized for the ring, and
// maps it if it can.
func createRing(path string) (*progressRing, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(ringSize); err != nil {
		f.Close()
		return nil, err
	}
	r := &progressRing{f: f}
	r.mem, _ = mapShared(f, ringSize) // nil: pwrite instead
	return r, nil
}

// add records rec, as appendRecord made it (so it fits a slot), as the
// next record.
func (r *progressRing) add(rec []byte) {
	off := ringHeader + int64(r.n%ringSlots)*ringSlot
	r.n++
	if r.mem != nil {
		copy(r.mem[off:], rec)
		r.word(offCount).Store(r.n)
		return
	}
	_, _ = r.f.WriteAt(rec, off)
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], r.n)
	_, _ = r.f.WriteAt(b[:], offCount)
}

// beat counts a heartbeat: the parent sees the child alive though no new
// scenario began. It may run beside add (the watchdog's goroutine).
func (r *progressRing) beat() {
	n := r.beats.Add(1)
	if r.mem != nil {
		r.word(offBeats).Store(n)
		return
	}
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], n)
	_, _ = r.f.WriteAt(b[:], offBeats)
}

// word is the header's uint64 at off in the mapped file (page-aligned, so
// aligned for atomics); stored atomically so that the parent, reading the
// header while the child runs, never sees half of one.
func (r *progressRing) word(off int) *atomic.Uint64 {
	return (*atomic.Uint64)(unsafe.Pointer(&r.mem[off]))
}

// progressMark is what the header of a progress file says.
type progressMark struct {
	count, beats uint64
}

// readMark reads the header of the progress file f; a file not yet sized
// (the child has just created it) reads as no record. The header is read
// until two reads agree, so that a count being stored is not read torn.
func readMark(f *os.File) progressMark {
	var m progressMark
	var b [ringHeader]byte
	for range 3 {
		if _, err := f.ReadAt(b[:], 0); err != nil {
			return progressMark{}
		}
		got := progressMark{binary.NativeEndian.Uint64(b[offCount:]), binary.NativeEndian.Uint64(b[offBeats:])}
		if got == m {
			break
		}
		m = got
	}
	return m
}

// lastRecords returns the last k records of the progress file f (k <
// ringSlots), oldest first, of the count its header holds; a record that
// cannot be read is left out.
func lastRecords(f *os.File, count uint64, k int) [][]byte {
	var recs [][]byte
	for i := count - min(count, uint64(k)); i < count; i++ {
		off := ringHeader + int64(i%ringSlots)*ringSlot
		var l [2]byte
		if _, err := f.ReadAt(l[:], off); err != nil {
			continue
		}
		rec := make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := f.ReadAt(rec, off+2); err != nil {
			continue
		}
		recs = append(recs, rec)
	}
	return recs
}

// appendRecord appends sc's record to b.
func appendRecord(b []byte, sc scenarios.Scenario) []byte {
	b = append(b, 0, 0) // the length, filled in below (records are < 64 KiB)
	start := len(b)
	b = binary.AppendUvarint(b, uint64(sc.Procs))
	b = binary.AppendVarint(b, int64(sc.Exit.After))
	b = binary.AppendVarint(b, int64(sc.Exit.Status))
	b = appendBool(b, sc.Signal.IgnoreTerm)
	b = binary.AppendVarint(b, int64(sc.Signal.ExitAfter))
	b = binary.AppendUvarint(b, uint64(len(sc.Deliveries)))
	for _, d := range sc.Deliveries {
		b = binary.AppendVarint(b, int64(d.After))
		b = binary.AppendVarint(b, int64(d.Status))
	}
	b = binary.AppendUvarint(b, uint64(len(sc.Points)))
	for _, p := range sc.Points {
		b = appendString(b, p.Name)
		b = binary.AppendVarint(b, int64(p.Hit))
		b = binary.AppendVarint(b, int64(p.Yields))
		b = binary.AppendVarint(b, int64(p.Sleep))
	}
	b = binary.AppendUvarint(b, uint64(len(sc.Fails)))
	for _, f := range sc.Fails {
		b = appendString(b, f.Name)
		b = binary.AppendVarint(b, int64(f.Hit))
	}
	b = binary.AppendUvarint(b, uint64(len(sc.Actors)))
	for _, a := range sc.Actors {
		b = binary.AppendUvarint(b, uint64(len(a.Calls)))
		for _, c := range a.Calls {
			b = append(b, byte(c.Op), byte(c.Ctx.Kind))
			b = binary.AppendVarint(b, int64(c.Delay))
			b = binary.AppendVarint(b, int64(c.Ctx.After))
			b = binary.AppendVarint(b, int64(c.Signal))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(sc.First)))
	for _, l := range sc.First {
		b = appendBool(b, l.Reap)
		b = binary.AppendUvarint(b, uint64(l.N))
	}
	b = binary.AppendUvarint(b, uint64(len(sc.ChildFirst)))
	for _, g := range sc.ChildFirst {
		b = appendString(b, g.Name)
		b = binary.AppendVarint(b, int64(g.Hit))
	}
	n := len(b) - start
	if n > 0xffff {
		// Too large to record: an empty record, which the parent counts
		// but cannot name.
		return b[:start]
	}
	binary.BigEndian.PutUint16(b[start-2:], uint16(n))
	return b
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errRecord = errors.New("a progress record cut short or malformed")

// decoder reads a record.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err, d.b = errRecord, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

// varint reads what binary.AppendVarint wrote: a uvarint holding the
// zig-zag encoding of the value.
func (d *decoder) varint() int64 {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = errRecord
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// count reads a length, bounded by what is left (each item takes a byte
// at least), so that a bad record cannot ask for a huge slice.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err, d.b = errRecord, nil
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.count()
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) duration() time.Duration { return time.Duration(d.varint()) }

// decodeRecord reads a record appendRecord wrote.
func decodeRecord(rec []byte) (scenarios.Scenario, error) {
	d := &decoder{b: rec}
	var sc scenarios.Scenario
	sc.Procs = int(d.uvarint())
	sc.Exit.After = d.duration()
	sc.Exit.Status = int(d.varint())
	sc.Signal.IgnoreTerm = d.byte() != 0
	sc.Signal.ExitAfter = d.duration()
	for range d.count() {
		sc.Deliveries = append(sc.Deliveries, faults.Delivery{After: d.duration(), Status: int(d.varint())})
	}
	for range d.count() {
		sc.Points = append(sc.Points, faults.PointFault{Name: d.string(), Hit: int(d.varint()), Yields: int(d.varint()), Sleep: d.duration()})
	}
	for range d.count() {
		sc.Fails = append(sc.Fails, faults.FailFault{Name: d.string(), Hit: int(d.varint())})
	}
	for range d.count() {
		var a scenarios.Actor
		for range d.count() {
			c := scenarios.Call{Op: scenarios.Op(d.byte()), Ctx: faults.Ctx{Kind: faults.CtxKind(d.byte())}}
			c.Delay = d.duration()
			c.Ctx.After = d.duration()
			c.Signal = syscall.Signal(d.varint())
			a.Calls = append(a.Calls, c)
		}
		sc.Actors = append(sc.Actors, a)
	}
	for range d.count() {
		sc.First = append(sc.First, scenarios.Lane{Reap: d.byte() != 0, N: int(d.uvarint())})
	}
	for range d.count() {
		sc.ChildFirst = append(sc.ChildFirst, scenarios.GoFirst{Name: d.string(), Hit: int(d.varint())})
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errRecord
	}
	return sc, d.err
}
