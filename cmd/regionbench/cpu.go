package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Where a load run's CPU goes, from /proc (Linux; zero elsewhere): this
// process (the clients, and this API's server on its rows), the peer's
// process, and PostgreSQL (every process named postgres, and the
// backends that ended, through their postmaster). The machine's cores
// are shared by all three, so the CPU a request is what bounds the
// requests a second.

// clockTick is USER_HZ, the unit of /proc's CPU times: 100 on Linux.
const clockTick = 10 * time.Millisecond

type cpuSplit struct{ self, peer, postgres time.Duration }

// cpuNow reads the CPU used so far; peer is the peer's pid, or "self"
// when the side measured is this API.
func cpuNow(peer string) cpuSplit {
	c := cpuSplit{self: cpuTime(readStat("self"), false)}
	if peer != "self" {
		c.peer = cpuTime(readStat(peer), false)
	}
	// Each process's stat read once: the postmaster (its parent is not
	// postgres) also answers for the backends that ended.
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	pg := map[string]procStat{}
	for _, d := range dirs {
		if st := readStat(filepath.Base(d)); st.comm == "postgres" {
			pg[filepath.Base(d)] = st
		}
	}
	for _, st := range pg {
		_, childOfPostgres := pg[st.parent()]
		c.postgres += cpuTime(st, !childOfPostgres)
	}
	return c
}

func (c cpuSplit) since(c0 cpuSplit) cpuSplit {
	return cpuSplit{c.self - c0.self, c.peer - c0.peer, c.postgres - c0.postgres}
}

// procStat is /proc/pid/stat: the command's name, and the fields after it
// (proc(5) numbers them from 3, the state).
type procStat struct {
	comm   string
	fields []string
}

func readStat(pid string) procStat {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return procStat{}
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procStat{}
	}
	return procStat{comm: s[open+1 : end], fields: strings.Fields(s[end+1:])}
}

// parent is the parent's pid (field 4).
func (st procStat) parent() string {
	if len(st.fields) < 2 {
		return ""
	}
	return st.fields[1]
}

// cpuTime is a process's user and system time, with its waited-for
// children's when children is set (fields 14–17).
func cpuTime(st procStat, children bool) time.Duration {
	if len(st.fields) < 15 {
		return 0
	}
	last := 13 // utime and stime are fields[11] and fields[12]
	if children {
		last = 15 // cutime and cstime
	}
	var ticks int64
	for _, v := range st.fields[11:last] {
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * clockTick
}
