//go:build windows

package winevent

import (
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The wevtapi.dll entry points; x/sys/windows has no wrappers for them.
// Lazy procs resolve on first call and never change afterwards.
var (
	wevtapi                      = windows.NewLazySystemDLL("wevtapi.dll")
	procEvtSubscribe             = wevtapi.NewProc("EvtSubscribe")
	procEvtNext                  = wevtapi.NewProc("EvtNext")
	procEvtRender                = wevtapi.NewProc("EvtRender")
	procEvtClose                 = wevtapi.NewProc("EvtClose")
	procEvtCreateBookmark        = wevtapi.NewProc("EvtCreateBookmark")
	procEvtUpdateBookmark        = wevtapi.NewProc("EvtUpdateBookmark")
	procEvtFormatMessage         = wevtapi.NewProc("EvtFormatMessage")
	procEvtOpenPublisherMetadata = wevtapi.NewProc("EvtOpenPublisherMetadata")
)

// evtHandle is an EVT_HANDLE.
type evtHandle uintptr

// Flags from winevt.h.
const (
	evtSubscribeToFutureEvents      = 1
	evtSubscribeStartAtOldestRecord = 2
	evtSubscribeStartAfterBookmark  = 3

	evtRenderEventXML = 1
	evtRenderBookmark = 2

	evtFormatMessageEvent = 1
)

// errorInvalidOperation is what EvtNext returns on some Windows versions,
// instead of ERROR_NO_MORE_ITEMS, when a pull subscription is drained.
const errorInvalidOperation = windows.Errno(4317)

// callErr turns the error of a failed proc call into a usable one: a
// failed call that left the last error at 0 still must not look like success.
func callErr(err error) error {
	var errno windows.Errno
	if errors.As(err, &errno) && errno == 0 {
		return syscall.EINVAL
	}
	return err
}

func utf16Ptr(s string) (*uint16, error) {
	if s == "" {
		return nil, nil
	}
	return windows.UTF16PtrFromString(s)
}

func evtSubscribe(signal windows.Handle, channel, query string, bookmark evtHandle, flags uint32) (evtHandle, error) {
	ch, err := utf16Ptr(channel)
	if err != nil {
		return 0, err
	}
	q, err := utf16Ptr(query)
	if err != nil {
		return 0, err
	}
	r, _, err := procEvtSubscribe.Call(0, uintptr(signal), uintptr(unsafe.Pointer(ch)), uintptr(unsafe.Pointer(q)),
		uintptr(bookmark), 0, 0, uintptr(flags))
	if r == 0 {
		return 0, callErr(err)
	}
	return evtHandle(r), nil
}

// evtNext fills handles without waiting; the caller closes each returned one.
func evtNext(results evtHandle, handles []evtHandle) (int, error) {
	var returned uint32
	r, _, err := procEvtNext.Call(uintptr(results), uintptr(len(handles)), uintptr(unsafe.Pointer(&handles[0])),
		0, 0, uintptr(unsafe.Pointer(&returned)))
	if r == 0 {
		return 0, callErr(err)
	}
	return int(returned), nil
}

// evtRender renders an event or a bookmark as XML.
func evtRender(h evtHandle, flags uint32) (string, error) {
	var used, props uint32
	r, _, err := procEvtRender.Call(0, uintptr(h), uintptr(flags), 0, 0,
		uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&props)))
	if r == 0 && !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) {
		return "", callErr(err)
	}
	buf := make([]uint16, used/2+1) // used is in bytes
	r, _, err = procEvtRender.Call(0, uintptr(h), uintptr(flags), uintptr(len(buf)*2), uintptr(unsafe.Pointer(&buf[0])),
		uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&props)))
	if r == 0 {
		return "", callErr(err)
	}
	return windows.UTF16ToString(buf), nil
}

// evtFormatMessage returns the event's message in the system's language.
func evtFormatMessage(publisher, event evtHandle) (string, error) {
	var used uint32
	r, _, err := procEvtFormatMessage.Call(uintptr(publisher), uintptr(event), 0, 0, 0, evtFormatMessageEvent,
		0, 0, uintptr(unsafe.Pointer(&used)))
	if r == 0 && !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) {
		return "", callErr(err)
	}
	buf := make([]uint16, used+1) // used is in characters here
	r, _, err = procEvtFormatMessage.Call(uintptr(publisher), uintptr(event), 0, 0, 0, evtFormatMessageEvent,
		uintptr(len(buf)), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&used)))
	if r == 0 {
		return "", callErr(err)
	}
	return windows.UTF16ToString(buf), nil
}

func evtOpenPublisherMetadata(provider string) (evtHandle, error) {
	p, err := utf16Ptr(provider)
	if err != nil {
		return 0, err
	}
	r, _, err := procEvtOpenPublisherMetadata.Call(0, uintptr(unsafe.Pointer(p)), 0, 0, 0)
	if r == 0 {
		return 0, callErr(err)
	}
	return evtHandle(r), nil
}

// evtCreateBookmark parses a saved bookmark; an empty one starts a new bookmark.
func evtCreateBookmark(xml string) (evtHandle, error) {
	p, err := utf16Ptr(xml)
	if err != nil {
		return 0, err
	}
	r, _, err := procEvtCreateBookmark.Call(uintptr(unsafe.Pointer(p)))
	if r == 0 {
		return 0, callErr(err)
	}
	return evtHandle(r), nil
}

func evtUpdateBookmark(bookmark, event evtHandle) error {
	r, _, err := procEvtUpdateBookmark.Call(uintptr(bookmark), uintptr(event))
	if r == 0 {
		return callErr(err)
	}
	return nil
}

func evtClose(h evtHandle) {
	if h != 0 {
		_, _, _ = procEvtClose.Call(uintptr(h)) // nothing to do if closing fails
	}
}
