// Package invalidate tells every server instance on one PostgreSQL
// database when data it caches has changed: a trigger on each cached
// table sends a NOTIFY on Channel, with the table's name, when a
// statement changes it (PostgreSQL delivers it at the commit), and each
// instance LISTENs (Watcher).
//
// A cache asks the Watcher for the table's generation before it reads
// the database and keeps what it read with that generation; an entry is
// good only while the generation is the same and the Watcher is live. A
// notification moves the table's generation; a lost connection makes the
// Watcher not live (every cache reads the database meanwhile) and, once
// it listens again, moves every generation, since notifications may have
// been missed. So no instance answers from data another instance has
// changed after its commit's notification arrived (milliseconds).
package invalidate

import (
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Channel is the channel the tables' triggers notify.
const Channel = "segretariato_invalidate"

// Watcher listens on Channel and keeps a generation per table. The zero
// value, and a nil *Watcher, are never live: caches using them always
// read the database.
type Watcher struct {
	mu   sync.Mutex
	live bool
	all  uint64            // moved by a reconnection: every table
	gen  map[string]uint64 // moved by a table's notification
	l    *pq.Listener
	done chan struct{}
}

// Listen starts listening with its own connection to the PostgreSQL
// database dsn (a lib/pq data source). It returns at once: the Watcher is
// live once the server has acknowledged the LISTEN.
func Listen(dsn string, log *slog.Logger) (*Watcher, error) {
	w := &Watcher{gen: map[string]uint64{}, done: make(chan struct{})}
	w.l = pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventConnected, pq.ListenerEventReconnected:
			w.reset(true)
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			if ev == pq.ListenerEventDisconnected && log != nil {
				log.Warn("cache invalidations: connection lost; caches off until it is back", "err", err)
			}
			w.reset(false)
		}
	})
	if err := w.l.Listen(Channel); err != nil {
		w.l.Close()
		return nil, err
	}
	go w.run()
	return w, nil
}

func (w *Watcher) run() {
	defer close(w.done)
	for n := range w.l.Notify {
		if n == nil { // after a reconnection: notifications may be lost
			w.reset(true)
			continue
		}
		w.mu.Lock()
		w.gen[n.Extra]++
		w.mu.Unlock()
	}
}

// reset moves every generation and sets whether the Watcher is live.
func (w *Watcher) reset(live bool) {
	w.mu.Lock()
	w.all++
	w.live = live
	w.mu.Unlock()
}

// Touch moves table's generation at once: for a change this instance has
// just committed, so that its own next request does not wait for the
// notification.
func (w *Watcher) Touch(table string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.gen[table]++
	w.mu.Unlock()
}

// Generation is table's generation, and whether a cache may keep what it
// reads now (the Watcher is live).
func (w *Watcher) Generation(table string) (Gen, bool) {
	if w == nil {
		return Gen{}, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return Gen{w.all, w.gen[table]}, w.live
}

// Gen is a table's generation.
type Gen struct{ all, table uint64 }

// Close stops listening.
func (w *Watcher) Close() error {
	if w == nil {
		return nil
	}
	err := w.l.Close()
	<-w.done
	return err
}
