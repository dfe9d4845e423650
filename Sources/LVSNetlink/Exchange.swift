import CNetlink
import LVSKernel
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
func exchange(_ sock: OpaquePointer, _ msg: OpaquePointer, what: String) throws(KernelError) -> ReceiveBox {
    let box = ReceiveBox()
    let cb = recordingCallbacks(box)
    defer { nl_cb_put(cb) }
    // The kernel acknowledges no dump, whatever its flags say.
    let awaitAck = Int32(nlmsg_hdr(msg).pointee.nlmsg_flags) & NLM_F_DUMP != NLM_F_DUMP
    let n = nl_send_auto(sock, msg)
    nlmsg_free(msg)
    if n < 0 { throw libnlError(n, what, sock) }
    repeat {
        let r = nl_recvmsgs(sock, cb)
        if r < 0 && box.errors.isEmpty { throw libnlError(r, what, sock) }
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

/// The receive deadline of every netlink socket lvsc opens, in milliseconds: a reply that does
/// not come within it is a `.timeout`, never a wait without end. A daemon that sends VRRP
/// adverts every 100 ms sets it lower.
func setReceiveDeadline(_ sock: OpaquePointer, milliseconds: Int) {
    var tv = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
    _ = setsockopt(nl_socket_get_fd(sock), SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
}

/// The socket's receive deadline, as set by `setReceiveDeadline`.
func receiveDeadline(_ sock: OpaquePointer) -> Int {
    var tv = timeval()
    var len = socklen_t(MemoryLayout<timeval>.size)
    guard getsockopt(nl_socket_get_fd(sock), SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0 else { return 0 }
    return tv.tv_sec * 1000 + tv.tv_usec / 1000
}

/// A libnl failure (a negative NLE_* code, not an errno) as a kernel error: NLE_AGAIN on a
/// socket with a receive deadline is that deadline passing.
func libnlError(_ code: Int32, _ what: String, _ sock: OpaquePointer) -> KernelError {
    let c = code < 0 ? -code : code
    if c == NLE_AGAIN { return .timeout(operation: what, milliseconds: receiveDeadline(sock)) }
    return .library(operation: what, code: c, message: String(cString: nl_geterror(c)))
}
