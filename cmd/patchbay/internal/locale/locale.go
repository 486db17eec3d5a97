// Package locale gives the process a language tag Fyne can parse before
// Fyne reads it. Under the POSIX locale (LANG=C, C.UTF-8 or POSIX, as on
// minimal systems and in containers) Fyne logs "Error parsing user locale"
// on every start, even for command-line verbs that open no window. Imported
// first by main; Go initialises it before Fyne's lang package.
package locale

import "os"

func init() {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v, ok := os.LookupEnv(k)
		if !ok || v == "" {
			continue
		}
		if isPOSIX(v) {
			os.Setenv(k, "en_US.UTF-8")
		}
	}
}

func isPOSIX(v string) bool {
	switch v {
	case "C", "POSIX", "C.UTF-8", "C.utf8", "C.UTF8":
		return true
	}
	return false
}
