import LVSCore
import LVSKernel
#if canImport(Glibc)
import Glibc
#endif

/// The director's real kernel: IPVS over generic netlink, addresses over one long-lived
/// rtnetlink socket, sysctls through /proc/sys. This is lvsc's one privileged component; it
/// needs CAP_NET_ADMIN for every write.
///
/// Confined to one thread at a time (see `Kernel`). A socket whose reply missed its deadline
/// may still receive that reply later, so it is closed and the next call opens a new one.
public final class NetlinkKernel: Kernel {
    public let receiveDeadline: Int
    /// Requests awaiting their acknowledgement at a time (see `IPVSNetlink.window`).
    public var window: Int {
        didSet { ipvsSocket?.window = window }
    }

    var ipvsSocket: IPVSNetlink?
    var addressSocket: AddressNetlink?
    var writesOfClosedSockets = 0

    /// Opens the IPVS socket at once, so a kernel without IPVS is reported before anything else.
    public init(receiveDeadline: Int = 10_000, window: Int = 256) throws(KernelError) {
        self.receiveDeadline = receiveDeadline
        self.window = window
        _ = try ipvs()
    }

    public var writes: Int { writesOfClosedSockets + (ipvsSocket?.writes ?? 0) }

    func ipvs() throws(KernelError) -> IPVSNetlink {
        if let s = ipvsSocket { return s }
        let s = try IPVSNetlink(receiveDeadline: receiveDeadline)
        s.window = window
        ipvsSocket = s
        return s
    }

    func rtnl() throws(KernelError) -> AddressNetlink {
        if let s = addressSocket { return s }
        let s = try AddressNetlink(receiveDeadline: receiveDeadline)
        addressSocket = s
        return s
    }

    /// Runs `body`; on a timeout, drops the socket it used so no late reply is taken for the
    /// answer to a later request.
    func guarded<T>(_ body: () throws(KernelError) -> T, dropping drop: () -> Void) throws(KernelError) -> T {
        do {
            return try body()
        } catch {
            if case .timeout = error { drop() }
            throw error
        }
    }

    func dropIPVS() {
        writesOfClosedSockets += ipvsSocket?.writes ?? 0
        ipvsSocket = nil
    }

    func dropRtnl() { addressSocket = nil }

    // MARK: IPVS

    public func table() throws(KernelError) -> IPVSTable {
        let s = try ipvs()
        return try guarded({ () throws(KernelError) in try s.table() }, dropping: dropIPVS)
    }

    public func service(_ key: IPVSServiceKey) throws(KernelError) -> IPVSService? {
        let s = try ipvs()
        return try guarded({ () throws(KernelError) in try s.service(key) }, dropping: dropIPVS)
    }

    public func send(_ requests: [IPVSRequest]) throws(KernelError) {
        let s = try ipvs()
        try guarded({ () throws(KernelError) in try s.send(requests) }, dropping: dropIPVS)
    }

    public func syncDaemons() throws(KernelError) -> [SyncDaemon] {
        let s = try ipvs()
        return try guarded({ () throws(KernelError) in try s.syncDaemons() }, dropping: dropIPVS)
    }

    public func startSyncDaemon(_ daemon: SyncDaemon) throws(KernelError) {
        let s = try ipvs()
        try guarded({ () throws(KernelError) in try s.startSyncDaemon(daemon) }, dropping: dropIPVS)
    }

    public func stopSyncDaemon(_ daemon: SyncDaemon) throws(KernelError) {
        let s = try ipvs()
        try guarded({ () throws(KernelError) in try s.stopSyncDaemon(daemon) }, dropping: dropIPVS)
    }

    // MARK: addresses

    public func addresses() throws(KernelError) -> [HostAddress] {
        let s = try rtnl()
        return try guarded({ () throws(KernelError) in try s.list() }, dropping: dropRtnl)
    }

    public func addAddress(_ a: HostAddress) throws(KernelError) {
        let s = try rtnl()
        try guarded({ () throws(KernelError) in
            try s.add(a.prefix.address, prefixLength: a.prefix.length, interface: a.interface, label: a.label)
        }, dropping: dropRtnl)
    }

    public func deleteAddress(_ a: HostAddress) throws(KernelError) {
        let s = try rtnl()
        try guarded({ () throws(KernelError) in
            try s.delete(a.prefix.address, prefixLength: a.prefix.length, interface: a.interface)
        }, dropping: dropRtnl)
    }

    // MARK: sysctls

    static func sysctlPath(_ name: String) -> String { "/proc/sys/" + name.split(separator: ".").joined(separator: "/") }

    public func sysctl(_ name: String) -> String? {
        let fd = open(Self.sysctlPath(name), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { return nil }
        var s = String(decoding: buffer[0..<n], as: UTF8.self)
        while s.last == "\n" || s.last == " " { s.removeLast() }
        return s
    }

    public func setSysctl(_ name: String, _ value: String) throws(KernelError) {
        let what = "sysctl -w \(name)"
        let fd = open(Self.sysctlPath(name), O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw e == EACCES || e == EPERM ? .permission(what) : .kernel(operation: what, errno: e, message: String(cString: strerror(e)))
        }
        defer { close(fd) }
        let bytes = Array((value + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            let e = errno
            throw .kernel(operation: what, errno: e, message: String(cString: strerror(e)))
        }
    }

    // MARK: identity

    public func identity() -> KernelIdentity {
        KernelIdentity(boot: sysctl("kernel.random.boot_id") ?? "unknown", netns: Self.networkNamespace())
    }

    /// The network namespace's cookie (never reused within a boot); its inode number (which can be
    /// reused once a namespace is gone) on kernels before 5.14.
    static func networkNamespace() -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd >= 0 {
            defer { close(fd) }
            var cookie: UInt64 = 0
            var len = socklen_t(MemoryLayout<UInt64>.size)
            let soNetnsCookie: Int32 = 71
            if getsockopt(fd, SOL_SOCKET, soNetnsCookie, &cookie, &len) == 0 { return "cookie:\(cookie)" }
        }
        var st = stat()
        if stat("/proc/self/ns/net", &st) == 0 { return "inode:\(st.st_ino)" }
        return "unknown"
    }
}
