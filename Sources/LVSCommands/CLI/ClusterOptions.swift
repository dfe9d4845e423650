import ArgumentParser

/// Which cluster (and which host of it) a command works on: the options every emitting command
/// shares, and the only copy of them.
public struct ClusterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("cluster.txt (default: ./cluster.txt)", valueName: "cluster.txt"), completion: .file(extensions: ["txt"]))
    public var inventory: String?

    @Option(name: .customShort("f"), help: ArgumentHelp("One keepalived.conf as a one-director cluster (instead of an inventory)", valueName: "file"),
            completion: .file(extensions: ["conf"]))
    public var file: String?

    @Option(help: ArgumentHelp("The director (or host) from the inventory", valueName: "name"), completion: .custom { Completion.hosts($0) })
    public var host: String?

    @Flag(help: "Emit even when the cluster has lint errors (they are listed)")
    public var force = false

    @Option(name: .customLong("cluster"),
            help: ArgumentHelp("The cluster's name in markers and headers (default: '# lvsc: cluster=NAME' in cluster.txt)", valueName: "name"))
    public var clusterName: String?

    /// Off when a whole-cluster command already linted (and printed) the cluster once; not an
    /// option.
    var lintGate = true

    enum CodingKeys: String, CodingKey {
        case inventory, file, host, force, clusterName
    }

    public init() {}

    public func validate() throws {
        if inventory != nil && file != nil { throw ValidationError("give --inventory or -f, not both") }
    }
}
