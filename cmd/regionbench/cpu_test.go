package main

import (
	"database/sql"
	"os"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

// TestCPUSplitFindsWhoWorked: the CPU this process spends shows as its
// own, and with TEST_DATABASE_URL the CPU a query costs the server shows
// as PostgreSQL's.
func TestCPUSplitFindsWhoWorked(t *testing.T) {
	c0 := cpuNow("self")
	for start := time.Now(); time.Since(start) < 150*time.Millisecond; {
	}
	if got := cpuNow("self").since(c0).self; got < 50*time.Millisecond {
		t.Errorf("150 ms of busy work counted %s of this process's CPU", got)
	}
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		return
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c0 = cpuNow("self")
	var n int64
	if err := db.QueryRow(`SELECT count(*) FROM generate_series(1, 5000000) AS g WHERE g % 7 = 0`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	// The connection ends, so its backend's CPU moves to the postmaster's
	// children's time: still counted.
	db.Close()
	time.Sleep(100 * time.Millisecond)
	if got := cpuNow("self").since(c0).postgres; got < 50*time.Millisecond {
		t.Errorf("a query over 5 million rows counted %s of PostgreSQL's CPU", got)
	}
}
