package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// processOwner names this process as the owner of the ledger rows its
// lifecycles write while they run (model.WebhookRecord.Owner): its process
// id and, where the system tells, when it started, so that a later process
// given the same id is not taken for it.
var processOwner = sync.OnceValue(func() string { return ownerOf(os.Getpid()) })

// liveRuns holds the owners of this process's runs still going (a
// lifecycle, which owns its ledger row, or a token refresh, which holds its
// endpoint's turn): its own are told apart by run, since a run's last
// write may fail and leave its owner on a row after it ended.
var liveRuns = struct {
	sync.Mutex
	next int
	live map[string]bool
}{live: map[string]bool{}}

// startRun returns a new run's owner, live until end is called.
func startRun() (owner string, end func()) {
	liveRuns.Lock()
	defer liveRuns.Unlock()
	liveRuns.next++
	owner = processOwner() + " run " + strconv.Itoa(liveRuns.next)
	liveRuns.live[owner] = true
	return owner, func() {
		liveRuns.Lock()
		defer liveRuns.Unlock()
		delete(liveRuns.live, owner)
	}
}

func ownerOf(pid int) string {
	if _, start := processStat(pid); start != "" {
		return fmt.Sprintf("%d started %s", pid, start)
	}
	return strconv.Itoa(pid)
}

// processStat reads a process's state (R, S, Z for a zombie, …) and when
// it started, in clock ticks since boot, from /proc; "" where there is
// none.
func processStat(pid int) (state, start string) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", ""
	}
	// The command's name, in parentheses, may hold spaces: count the
	// fields after it. The first is the state (field 3), the start time is
	// field 22.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return "", ""
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return "", ""
	}
	return fields[0], fields[19]
}

// ownerAlive reports whether the run that owns a ledger row or holds a
// refresh turn may still be going: in this process, the run is still
// going; in another, that process is alive, and the same process by its
// start time where that is known.
func ownerAlive(owner string) bool {
	process, _, _ := strings.Cut(owner, " run ")
	if process == processOwner() {
		liveRuns.Lock()
		defer liveRuns.Unlock()
		return liveRuns.live[owner]
	}
	pidText, start, _ := strings.Cut(process, " started ")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	if state, got := processStat(pid); start != "" && got != "" {
		return got == start && state != "Z" && state != "X" // a zombie runs nothing
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ownerPID is the process id an owner names, for messages.
func ownerPID(owner string) string {
	process, _, _ := strings.Cut(owner, " run ")
	pid, _, _ := strings.Cut(process, " started ")
	return pid
}
