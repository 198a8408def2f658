package suites

import (
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

func TestCatalogProbe(t *testing.T) {
	for _, e := range catalog.All() {
		t.Run(e.Name, func(t *testing.T) {
			f := checkT(t, e.New, harness.Checks(300))
			if f == nil {
				t.Logf("%s: PASS (want %q)", e.Name, e.Want)
				return
			}
			t.Logf("%s: want %q\n%s", e.Name, e.Want, f.Error())
		})
	}
}
