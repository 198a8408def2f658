package rt

import (
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites"
)

func TestSeed(t *testing.T)      { suites.TestTask(t, NewSeed, harness.Checks(2000)) }
func TestSeedFixed(t *testing.T) { suites.TestTask(t, NewSeedFixed, harness.Checks(2000)) }
func TestCond(t *testing.T)      { suites.TestTask(t, NewCond, harness.Checks(2000)) }
func TestActor(t *testing.T)     { suites.TestTask(t, NewActor, harness.Checks(2000)) }
func TestOnce(t *testing.T)      { suites.TestTask(t, NewOnce, harness.Checks(2000)) }
func TestCAS(t *testing.T)       { suites.TestTask(t, NewCAS, harness.Checks(2000)) }
func TestGroup(t *testing.T)     { suites.TestTask(t, NewGroup, harness.Checks(2000)) }
