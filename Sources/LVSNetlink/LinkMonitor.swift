import CNetlink
import LVSCore
import LVSKernel
#if canImport(Glibc)
import Glibc
#endif

/// rtnetlink notifications of links and addresses: what the VRRP engine needs to go to FAULT
/// when a tracked interface goes down, come back when it comes up, and notice a VIP that
/// someone deleted by hand. One socket, subscribed to the link and address groups, non-blocking:
/// an event loop watches `fileDescriptor` and calls `read()` when it is readable, or a thread
/// calls `next(within:)`, which never waits longer than asked.
///
/// Confined to one thread at a time, like every netlink socket here. Interface names are
/// resolved in the calling thread's network namespace.
public final class LinkMonitor {
    public enum Event: Sendable, Equatable {
        /// A link appeared or changed: administratively up, and with a carrier (running).
        case link(name: String, index: Int, up: Bool, running: Bool)
        case linkRemoved(name: String, index: Int)
        case addressAdded(HostAddress)
        case addressRemoved(HostAddress)
    }

    let sock: OpaquePointer
    let box = ReceiveBox()
    let callbacks: OpaquePointer

    public init() throws(KernelError) {
        guard let s = nl_socket_alloc() else { throw .kernel(operation: "netlink socket", errno: ENOMEM, message: "out of memory") }
        sock = s
        callbacks = recordingCallbacks(box)
        // Notifications carry sequence number 0: libnl's check (of the socket's callbacks and
        // of these) would refuse them.
        nl_socket_disable_seq_check(sock)
        nl_cb_set(callbacks, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, { _, _ in Int32(NL_OK.rawValue) }, nil)
        if nl_connect(sock, NETLINK_ROUTE) < 0 {
            let e = errno
            nl_cb_put(callbacks)
            nl_socket_free(sock)
            throw .kernel(operation: "rtnetlink monitor socket", errno: e, message: String(cString: strerror(e)))
        }
        for group in [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR] {
            let r = nl_socket_add_membership(sock, Int32(group.rawValue))
            if r < 0 {
                let err = libnlError(r, "subscribe to rtnetlink group \(group.rawValue)", sock)
                nl_cb_put(callbacks)
                nl_socket_free(sock)
                throw err
            }
        }
        _ = nl_socket_set_nonblocking(sock)
    }

    deinit {
        nl_cb_put(callbacks)
        nl_socket_free(sock)
    }

    /// The socket an event loop watches for readability.
    public var fileDescriptor: Int32 { nl_socket_get_fd(sock) }

    /// Every notification queued on the socket, without waiting.
    public func read() throws(KernelError) -> [Event] {
        box.messages.removeAll(keepingCapacity: true)
        while true {
            let r = nl_recvmsgs(sock, callbacks)
            if r >= 0 { continue }
            if -r == NLE_AGAIN { break }
            // The kernel dropped notifications (the socket's buffer overflowed): what is known of
            // links and addresses may be stale, and the caller must read them again in full.
            if -r == NLE_NOMEM { throw .kernel(operation: "rtnetlink monitor", errno: ENOBUFS, message: "notifications were lost; read links and addresses again") }
            throw libnlError(r, "rtnetlink monitor", sock)
        }
        return box.messages.compactMap(Self.event)
    }

    /// The notifications that arrive within `milliseconds` (at least one, unless none came).
    public func next(within milliseconds: Int) throws(KernelError) -> [Event] {
        let queued = try read()
        if !queued.isEmpty { return queued }
        var p = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let n = poll(&p, 1, Int32(clamping: milliseconds))
        if n < 0 && errno != EINTR {
            let e = errno
            throw .kernel(operation: "rtnetlink monitor", errno: e, message: String(cString: strerror(e)))
        }
        return n > 0 ? try read() : []
    }

    static func event(_ m: [UInt8]) -> Event? {
        guard m.count >= 16 else { return nil }
        let type = Int32(UInt16(m[4]) | UInt16(m[5]) << 8)
        switch type {
        case Int32(RTM_NEWLINK), Int32(RTM_DELLINK):
            // ifinfomsg: family, pad, type (2), index (4), flags (4), change (4).
            guard m.count >= 32 else { return nil }
            let index = Int(Int32(bitPattern: UInt32(m[20]) | UInt32(m[21]) << 8 | UInt32(m[22]) << 16 | UInt32(m[23]) << 24))
            let flags = UInt32(m[24]) | UInt32(m[25]) << 8 | UInt32(m[26]) << 16 | UInt32(m[27]) << 24
            let attrs = netlinkAttributes(m[32...])
            let name = IPVSNetlink.string(attrs[Int32(IFLA_IFNAME)]) ?? String(index)
            if type == Int32(RTM_DELLINK) { return .linkRemoved(name: name, index: index) }
            return .link(name: name, index: index, up: flags & UInt32(IFF_UP) != 0, running: flags & UInt32(IFF_RUNNING) != 0)
        case Int32(RTM_NEWADDR):
            return AddressNetlink.address(m).map { .addressAdded($0) }
        case Int32(RTM_DELADDR):
            return AddressNetlink.address(m).map { .addressRemoved($0) }
        default:
            return nil
        }
    }
}
