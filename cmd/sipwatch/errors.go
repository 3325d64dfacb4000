package main

// usageError reports a wrong command line: a missing, unknown or malformed
// argument or flag. Commands return it as a pointer (&usageError{...}); main
// finds it with errors.As into a *usageError, prints it and exits with
// status 2.
type usageError struct{ msg string }

// Error returns the message, which says what was wrong with the command line.
func (e *usageError) Error() string { return e.msg }
