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
	c := cpuSplit{self: cpuOf("self", false)}
	if peer != "self" {
		c.peer = cpuOf(peer, false)
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		pid := filepath.Base(d)
		// The postmaster (its parent is not postgres) also answers for
		// the backends that ended.
		c.postgres += cpuOf(pid, !parentIsPostgres(pid))
	}
	return c
}

func (c cpuSplit) since(c0 cpuSplit) cpuSplit {
	return cpuSplit{c.self - c0.self, c.peer - c0.peer, c.postgres - c0.postgres}
}

// statFields are the fields of /proc/pid/stat after the command's name.
func statFields(pid string) []string {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Fields(s)
}

// cpuOf is a process's user and system time, with its waited-for
// children's when children is set (fields 14–17 of proc(5)).
func cpuOf(pid string, children bool) time.Duration {
	f := statFields(pid)
	if len(f) < 15 {
		return 0
	}
	last := 13 // utime and stime are f[11] and f[12]
	if children {
		last = 15 // cutime and cstime
	}
	var ticks int64
	for _, v := range f[11:last] {
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * clockTick
}

func parentIsPostgres(pid string) bool {
	f := statFields(pid)
	if len(f) < 2 {
		return false
	}
	comm, err := os.ReadFile("/proc/" + f[1] + "/comm")
	return err == nil && strings.TrimSpace(string(comm)) == "postgres"
}
