package suites

import (
	"encoding/binary"
	"errors"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/scenarios"
)

// The progress file: before each scenario a child appends one record, a
// length then the scenario in a compact binary form, in one write, so it
// is on disk (in the kernel's hands) even if the scenario kills the child.
// Formatting the scenario as text would cost several times the write; the
// parent decodes the last records only when a child died.

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
	n := len(b) - start
	if n > 0xffff {
		return b[:start-2] // too large to record: the parent sees one scenario fewer
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

// records splits a progress file into its records, dropping a last one
// cut short.
func records(data []byte) [][]byte {
	var recs [][]byte
	for len(data) >= 2 {
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			break
		}
		recs = append(recs, data[2:2+n])
		data = data[2+n:]
	}
	return recs
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

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = errRecord, nil
		return 0
	}
	d.b = d.b[n:]
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
		sc.Points = append(sc.Points, faults.PointFault{Name: d.string(), Hit: int(d.varint()), Yields: int(d.varint())})
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
	if d.err == nil && len(d.b) != 0 {
		d.err = errRecord
	}
	return sc, d.err
}
