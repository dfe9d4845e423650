import CNetlink
#if canImport(Glibc)
import Glibc
#endif

/// Collects what the receive callbacks see; passed to C as an opaque pointer.
final class ReceiveBox {
    var acks = 0
    var errors: [(seq: UInt32, errno: Int32)] = []
    var messages: [[UInt8]] = []
}

/// Callbacks that record acks, errors (with the failing request's sequence number) and valid
/// messages into `box`, and keep reading after each; both sockets (IPVS, rtnetlink) use them.
func recordingCallbacks(_ box: ReceiveBox) -> OpaquePointer {
    let cb = nl_cb_alloc(NL_CB_DEFAULT)!
    let arg = Unmanaged.passUnretained(box).toOpaque()
    nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, { _, arg in
        Unmanaged<ReceiveBox>.fromOpaque(arg!).takeUnretainedValue().acks += 1
        return Int32(NL_OK.rawValue)
    }, arg)
    nl_cb_err(cb, NL_CB_CUSTOM, { _, err, arg in
        Unmanaged<ReceiveBox>.fromOpaque(arg!).takeUnretainedValue().errors.append((err!.pointee.msg.nlmsg_seq, -err!.pointee.error))
        return Int32(NL_SKIP.rawValue)
    }, arg)
    nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, { msg, arg in
        let hdr = nlmsg_hdr(msg)!
        Unmanaged<ReceiveBox>.fromOpaque(arg!).takeUnretainedValue().messages.append(
            Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(hdr), count: Int(hdr.pointee.nlmsg_len))))
        return Int32(NL_OK.rawValue)
    }, arg)
    return cb
}

/// Sends one message (and frees it) and reads its whole answer: a dump until it is finished,
/// anything else until its ack or error. libnl asks for an ack on every request it completes,
/// and the reply to a get comes before that ack: an exchange that stopped at the reply would
/// leave the ack for the next one to take as its own answer. The caller judges `errors`.
func exchange(_ sock: OpaquePointer, _ msg: OpaquePointer, what: String) throws -> ReceiveBox {
    let box = ReceiveBox()
    let cb = recordingCallbacks(box)
    defer { nl_cb_put(cb) }
    // The kernel acknowledges no dump, whatever its flags say.
    let awaitAck = Int32(nlmsg_hdr(msg).pointee.nlmsg_flags) & NLM_F_DUMP != NLM_F_DUMP
    let n = nl_send_auto(sock, msg)
    nlmsg_free(msg)
    if n < 0 { throw NetlinkError.kernel(operation: what, errno: -n, message: String(cString: nl_geterror(n))) }
    repeat {
        let r = nl_recvmsgs(sock, cb)
        if r < 0 && box.errors.isEmpty { throw NetlinkError.kernel(operation: what, errno: -r, message: String(cString: nl_geterror(r))) }
        if r < 0 { break }
    } while awaitAck && box.acks + box.errors.count < 1
    return box
}

/// Netlink attributes (u16 length, u16 type, payload padded to 4) from `start`, by type; the
/// nested flag is masked off the type.
func netlinkAttributes(_ b: ArraySlice<UInt8>) -> [Int32: [UInt8]] {
    var out: [Int32: [UInt8]] = [:]
    var i = b.startIndex
    while i + 4 <= b.endIndex {
        let len = Int(b[i]) | Int(b[i + 1]) << 8
        let type = (Int32(b[i + 2]) | Int32(b[i + 3]) << 8) & 0x3FFF
        guard len >= 4, i + len <= b.endIndex else { break }
        out[type] = Array(b[(i + 4)..<(i + len)])
        i += (len + 3) & ~3
    }
    return out
}
