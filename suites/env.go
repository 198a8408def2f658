package suites

import (
	"fmt"
	"os"
	"strings"

	"github.com/reaptest/reaptest/internal/instrument"
)

// envSwitch reads the on/off environment variable name: unset or empty
// is not set; 1, true, on and yes turn it on, 0, false, off and no turn it
// off (in any case); any other value is an error that lists these.
func envSwitch(name string) (set, on bool, err error) {
	v := os.Getenv(name)
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return false, false, nil
	case "1", "true", "on", "yes":
		return true, true, nil
	case "0", "false", "off", "no":
		return true, false, nil
	}
	return false, false, fmt.Errorf("reaptest: %s=%q: want 1, true, on or yes to turn it on, 0, false, off or no to turn it off, or unset for the default (on)", name, v)
}

// envUsage checks the on/off variables a check reads, EnvIsolate and
// REAPTEST_AUTOPOINTS, before the check runs: a value that is neither is
// a usage error, never silently taken as on.
func envUsage() error {
	for _, name := range []string{EnvIsolate, instrument.EnvAutopoints} {
		if _, _, err := envSwitch(name); err != nil {
			return err
		}
	}
	return nil
}
