package parse

// Method is a SIP request method. Extension methods that sipwatch does not
// know by name are MethodOther; their token is in Message.MethodName.
type Method uint8

// The methods of RFC 3261 and its extensions that sipwatch knows by name.
const (
	MethodNone  Method = iota // no method (a response's start line)
	MethodOther               // an extension or unknown method token
	INVITE
	ACK
	BYE
	CANCEL
	REGISTER
	OPTIONS
	PRACK     // RFC 3262
	SUBSCRIBE // RFC 6665
	NOTIFY    // RFC 6665
	PUBLISH   // RFC 3903
	INFO      // RFC 6086
	REFER     // RFC 3515
	MESSAGE   // RFC 3428
	UPDATE    // RFC 3311
	numMethods
)

var methodNames = [numMethods]string{
	MethodNone: "", MethodOther: "OTHER",
	INVITE: "INVITE", ACK: "ACK", BYE: "BYE", CANCEL: "CANCEL", REGISTER: "REGISTER",
	OPTIONS: "OPTIONS", PRACK: "PRACK", SUBSCRIBE: "SUBSCRIBE", NOTIFY: "NOTIFY",
	PUBLISH: "PUBLISH", INFO: "INFO", REFER: "REFER", MESSAGE: "MESSAGE", UPDATE: "UPDATE",
}

// NumMethods is the number of Method values, for arrays indexed by Method.
const NumMethods = int(numMethods)

// String returns the method token ("INVITE"), "OTHER" for MethodOther and ""
// for MethodNone.
func (m Method) String() string {
	if m < numMethods {
		return methodNames[m]
	}
	return "OTHER"
}

// LookupMethod returns the Method for a token. Method names are
// case-sensitive (RFC 3261 §7.1); an unknown token is MethodOther and an
// empty one MethodNone.
func LookupMethod(tok []byte) Method {
	// A switch on string(tok) compiles to length-and-content comparisons
	// without converting tok, so the lookup does not allocate.
	switch string(tok) {
	case "":
		return MethodNone
	case "INVITE":
		return INVITE
	case "ACK":
		return ACK
	case "BYE":
		return BYE
	case "CANCEL":
		return CANCEL
	case "REGISTER":
		return REGISTER
	case "OPTIONS":
		return OPTIONS
	case "PRACK":
		return PRACK
	case "SUBSCRIBE":
		return SUBSCRIBE
	case "NOTIFY":
		return NOTIFY
	case "PUBLISH":
		return PUBLISH
	case "INFO":
		return INFO
	case "REFER":
		return REFER
	case "MESSAGE":
		return MESSAGE
	case "UPDATE":
		return UPDATE
	}
	return MethodOther
}
