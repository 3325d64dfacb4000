package explain

// q850Cause is one cause value of ITU-T Recommendation Q.850.
type q850Cause struct {
	name string // the cause's name in Q.850
	hint string // what it usually means in practice; "" when the name says enough
	sip  int    // SIP status RFC 3398 §8.2.1 maps it to; 0 when none is given
}

// q850Causes is indexed by cause value (1 to 127). An empty name marks a value
// Q.850 does not assign.
var q850Causes = [128]q850Cause{
	1:   {"unallocated (unassigned) number", "the number has a valid format but is not assigned to anyone", 404},
	2:   {"no route to specified transit network", "the transit network or carrier selected is unknown, or does not serve this route", 404},
	3:   {"no route to destination", "the network the call was routed into does not serve that destination", 404},
	4:   {"send special information tone", "the destination is unreachable for a long-term reason; the network plays a special information tone", 0},
	5:   {"misdialled trunk prefix", "a trunk prefix (such as a leading 0) was wrongly kept in the number", 0},
	6:   {"channel unacceptable", "the channel proposed is not acceptable to the sending side", 0},
	7:   {"call awarded and being delivered in an established channel", "", 0},
	8:   {"preemption", "the call was pre-empted by a higher-priority call", 0},
	9:   {"preemption - circuit reserved for reuse", "the call was pre-empted and the circuit kept for the pre-empting call", 0},
	14:  {"QoR: ported number", "query on release: the number was ported away; route again after a portability look-up", 0},
	16:  {"normal call clearing", "one of the parties hung up; no fault", 0},
	17:  {"user busy", "the callee is busy", 486},
	18:  {"no user responding", "the callee's equipment did not respond to the call offer in time", 408},
	19:  {"no answer from user (user alerted)", "it rang, but nobody answered in time", 480},
	20:  {"subscriber absent", "a mobile subscriber is unreachable (switched off, no coverage, not registered)", 480},
	21:  {"call rejected", "the callee's equipment or the network refused the call", 403},
	22:  {"number changed", "the number is no longer in use; a new number may be announced", 410},
	23:  {"redirection to new destination", "the call was redirected elsewhere", 410},
	24:  {"call rejected due to feature at the destination", "a service at the destination refused the call (for example anonymous call rejection)", 0},
	25:  {"exchange routing error", "a routing problem between exchanges, often a loop or an exhausted hop counter", 0},
	26:  {"non-selected user clearing", "another device answered the call", 404},
	27:  {"destination out of order", "the interface to the destination is not working (signalling link down, device offline)", 502},
	28:  {"invalid number format (address incomplete)", "the number is malformed or incomplete", 484},
	29:  {"facility rejected", "a supplementary service asked for was refused", 501},
	30:  {"response to STATUS ENQUIRY", "not a failure: a reply to a status enquiry", 0},
	31:  {"normal, unspecified", "a normal event with no more specific cause; often used for generic failures", 480},
	34:  {"no circuit/channel available", "no trunk or channel was free on the route (all circuits busy)", 503},
	38:  {"network out of order", "the network is not working and will not be for a while", 503},
	39:  {"permanent frame mode connection out of service", "", 0},
	40:  {"permanent frame mode connection operational", "", 0},
	41:  {"temporary failure", "a short-lived network fault; retrying soon may work", 503},
	42:  {"switching equipment congestion", "the switch handling the call is overloaded", 503},
	43:  {"access information discarded", "some information (user-to-user data, sub-address) could not be delivered", 0},
	44:  {"requested circuit/channel not available", "the particular circuit or channel asked for is not available", 0},
	46:  {"precedence call blocked", "", 0},
	47:  {"resource unavailable, unspecified", "some network resource is unavailable", 503},
	49:  {"quality of service not available", "", 0},
	50:  {"requested facility not subscribed", "the caller is not subscribed to a service the call needs", 0},
	53:  {"outgoing calls barred within CUG", "", 0},
	55:  {"incoming calls barred within CUG", "", 403},
	57:  {"bearer capability not authorized", "the caller may not use the bearer asked for (for example data or video)", 403},
	58:  {"bearer capability not presently available", "the bearer asked for is not available right now", 503},
	62:  {"inconsistency in designated outgoing access information and subscriber class", "", 0},
	63:  {"service or option not available, unspecified", "", 0},
	65:  {"bearer capability not implemented", "the bearer asked for (for example unrestricted digital, or a codec) is not supported", 488},
	66:  {"channel type not implemented", "", 0},
	69:  {"requested facility not implemented", "", 0},
	70:  {"only restricted digital information bearer capability is available", "", 488},
	79:  {"service or option not implemented, unspecified", "", 501},
	81:  {"invalid call reference value", "", 0},
	82:  {"identified channel does not exist", "", 0},
	83:  {"a suspended call exists, but this call identity does not", "", 0},
	84:  {"call identity in use", "", 0},
	85:  {"no call suspended", "", 0},
	86:  {"call having the requested call identity has been cleared", "", 0},
	87:  {"user not member of CUG", "", 403},
	88:  {"incompatible destination", "the destination cannot take this kind of call (for example fax or data to a voice-only line)", 503},
	90:  {"non-existent CUG", "", 0},
	91:  {"invalid transit network selection", "", 0},
	95:  {"invalid message, unspecified", "", 0},
	96:  {"mandatory information element is missing", "", 0},
	97:  {"message type non-existent or not implemented", "", 0},
	98:  {"message not compatible with call state or message type non-existent or not implemented", "", 0},
	99:  {"information element/parameter non-existent or not implemented", "", 0},
	100: {"invalid information element contents", "", 0},
	101: {"message not compatible with call state", "", 0},
	102: {"recovery on timer expiry", "a protocol timer expired during the call, typically no answer from the next exchange", 504},
	103: {"parameter non-existent or not implemented, passed on", "", 0},
	110: {"message with unrecognized parameter, discarded", "", 0},
	111: {"protocol error, unspecified", "", 500},
	127: {"interworking, unspecified", "the call crossed a network that gave no more specific cause (typical at SIP-ISUP gateways)", 500},
}

// Q850 returns the name of an ITU-T Q.850 cause value ("no circuit/channel
// available" for 34). It reports false for values Q.850 does not assign and
// for anything outside 1 to 127.
func Q850(cause int) (text string, ok bool) {
	if cause < 1 || cause >= len(q850Causes) || q850Causes[cause].name == "" {
		return "", false
	}
	return q850Causes[cause].name, true
}

// q850Locations explains the location parameter of a Q.850 Reason (RFC 8606),
// which says in which network the call was released.
var q850Locations = map[string]string{
	"U":    "the user",
	"LPN":  "a private network serving the local user",
	"LN":   "the public network serving the local user",
	"TN":   "a transit network",
	"RLN":  "the public network serving the remote user",
	"RPN":  "a private network serving the remote user",
	"INTL": "an international network",
	"BI":   "a network beyond the interworking point",
}
