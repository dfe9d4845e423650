import CNetlink
import LVSCore
import LVSKernel
#if canImport(Glibc)
import Glibc
#endif

/// rtnetlink addresses (RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR) over libnl's core socket.
public final class AddressNetlink {
    let sock: OpaquePointer

    /// See `setReceiveDeadline`.
    public let receiveDeadline: Int

    public init(receiveDeadline: Int = 10_000) throws(KernelError) {
        self.receiveDeadline = receiveDeadline
        guard let s = nl_socket_alloc() else { throw KernelError.kernel(operation: "netlink socket", errno: ENOMEM, message: "out of memory") }
        sock = s
        if nl_connect(sock, NETLINK_ROUTE) < 0 {
            nl_socket_free(sock)
            throw KernelError.kernel(operation: "rtnetlink socket", errno: errno, message: String(cString: strerror(errno)))
        }
        nl_socket_disable_seq_check(sock)
        setReceiveDeadline(sock, milliseconds: receiveDeadline)
    }

    deinit { nl_socket_free(sock) }

    static func family(_ a: IPAddress) -> UInt8 { a.family == .inet ? UInt8(AF_INET) : UInt8(AF_INET6) }

    func change(_ type: Int32, flags: Int32, address: IPAddress, prefixLength: Int, interface: String, label: String?, what: String) throws(KernelError) {
        let index = if_nametoindex(interface)
        guard index != 0 else { throw KernelError.noSuchInterface(interface) }
        guard let msg = nlmsg_alloc_simple(type, flags | NLM_F_ACK) else { throw KernelError.kernel(operation: what, errno: ENOMEM, message: "out of memory") }
        // An IPv6 VIP skips duplicate address detection (IFA_F_NODAD), as keepalived adds it:
        // the VRRP election has already decided who holds it, and a tentative address would
        // not answer for a second or more after a takeover.
        let nodad: UInt8 = type == Int32(RTM_NEWADDR) && address.family == .inet6 ? 0x02 : 0
        var ifa = ifaddrmsg(ifa_family: Self.family(address), ifa_prefixlen: UInt8(prefixLength), ifa_flags: nodad,
                            ifa_scope: UInt8(RT_SCOPE_UNIVERSE.rawValue), ifa_index: index)
        nlmsg_append(msg, &ifa, MemoryLayout<ifaddrmsg>.size, Int32(NLMSG_ALIGNTO))
        var bytes = Array(IPVSNetlink.address16(address).prefix(address.family == .inet ? 4 : 16))
        nla_put(msg, Int32(IFA_LOCAL), Int32(bytes.count), &bytes)
        nla_put(msg, Int32(IFA_ADDRESS), Int32(bytes.count), &bytes)
        if let label, address.family == .inet { nla_put_string(msg, Int32(IFA_LABEL), label) }
        let box = try exchange(sock, msg, what: what)
        if let (_, e) = box.errors.first {
            switch e {
            case EPERM, EACCES: throw KernelError.permission(what)
            case EEXIST: throw KernelError.exists(what.replacingFirst("add ", with: ""))
            case EADDRNOTAVAIL, ESRCH, ENOENT: throw KernelError.notFound(what.replacingFirst("delete ", with: ""))
            default: throw KernelError.kernel(operation: what, errno: e, message: String(cString: strerror(e)))
            }
        }
    }

    public func add(_ a: IPAddress, prefixLength: Int, interface: String, label: String? = nil) throws(KernelError) {
        try change(Int32(RTM_NEWADDR), flags: NLM_F_CREATE | NLM_F_EXCL, address: a, prefixLength: prefixLength, interface: interface,
                   label: label, what: "add address \(a)/\(prefixLength) on \(interface)")
    }

    public func delete(_ a: IPAddress, prefixLength: Int, interface: String) throws(KernelError) {
        try change(Int32(RTM_DELADDR), flags: 0, address: a, prefixLength: prefixLength, interface: interface,
                   label: nil, what: "delete address \(a)/\(prefixLength) on \(interface)")
    }

    /// Every address of every interface.
    public func list() throws(KernelError) -> [HostAddress] {
        guard let msg = nlmsg_alloc_simple(Int32(RTM_GETADDR), NLM_F_DUMP) else { throw KernelError.kernel(operation: "list addresses", errno: ENOMEM, message: "out of memory") }
        var ifa = ifaddrmsg()
        nlmsg_append(msg, &ifa, MemoryLayout<ifaddrmsg>.size, Int32(NLMSG_ALIGNTO))
        let box = try exchange(sock, msg, what: "list addresses")
        if let (_, e) = box.errors.first { throw KernelError.kernel(operation: "list addresses", errno: e, message: String(cString: strerror(e))) }
        return box.messages.compactMap(Self.address)
    }

    /// An RTM_NEWADDR / RTM_DELADDR message as an address; the interface index is named in the
    /// calling thread's network namespace.
    static func address(_ m: [UInt8]) -> HostAddress? {
        let header = 16 + MemoryLayout<ifaddrmsg>.size
        guard m.count >= header else { return nil }
        let fam = m[16], plen = Int(m[17])
        let index = UInt32(m[20]) | UInt32(m[21]) << 8 | UInt32(m[22]) << 16 | UInt32(m[23]) << 24
        let attrs = netlinkAttributes(m[((header + 3) & ~3)...])
        let raw = attrs[Int32(IFA_LOCAL)] ?? attrs[Int32(IFA_ADDRESS)]
        var padded = raw ?? []
        padded += [UInt8](repeating: 0, count: max(0, 16 - padded.count))
        guard let addr = IPVSNetlink.address(padded, family: fam == UInt8(AF_INET) ? IPVSGenl.afInet : IPVSGenl.afInet6) else { return nil }
        return HostAddress(prefix: IPPrefix(address: addr, length: plen, explicitLength: true), interface: interfaceName(index),
                           label: IPVSNetlink.string(attrs[Int32(IFA_LABEL)]))
    }

    static func interfaceName(_ index: UInt32) -> String {
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        return if_indextoname(index, &name) != nil ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : String(index)
    }
}
