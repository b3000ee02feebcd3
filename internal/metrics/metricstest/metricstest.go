// Package metricstest reads a /metrics answer in tests: it parses the
// Prometheus text format and looks series up by name and labels.
package metricstest

import (
	"io"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families are the parsed metric families, by name.
type Families map[string]*dto.MetricFamily

// Parse reads the Prometheus text format, failing the test when it is
// not valid.
func Parse(t testing.TB, r io.Reader) Families {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parsing the metrics: %v", err)
	}
	return fams
}

// Value returns the value of the series of the family name whose labels
// include the given name, value pairs: a counter's or gauge's value, a
// histogram's sample count. ok is false when there is no such series.
func (f Families) Value(name string, labels ...string) (v float64, ok bool) {
	fam := f[name]
	if fam == nil {
		return 0, false
	}
	for _, m := range fam.Metric {
		if !matches(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// LabelValues calls f with every label value of every series.
func (f Families) LabelValues(fn func(family, label, value string)) {
	for name, fam := range f {
		for _, m := range fam.Metric {
			for _, l := range m.Label {
				fn(name, l.GetName(), l.GetValue())
			}
		}
	}
}

func matches(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.Label {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
