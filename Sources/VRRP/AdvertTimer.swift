import NIOCore

/// Calls `fire` every `interval` on an event loop. The loop is the clock: in production a
/// NIOPosix loop, in tests an `EmbeddedEventLoop` whose time moves only when the test calls
/// `advanceTime(by:)`, so VRRP timing (advert interval, master-down interval, preempt delay)
/// runs without sleeping and without flakiness.
public final class AdvertTimer: Sendable {
    let loop: EventLoop
    let interval: TimeAmount
    let fire: @Sendable () -> Void
    // Touched only on `loop`.
    nonisolated(unsafe) var task: RepeatedTask?

    public init(loop: EventLoop, interval: TimeAmount, fire: @escaping @Sendable () -> Void) {
        self.loop = loop
        self.interval = interval
        self.fire = fire
    }

    /// Fires once at once, then every interval (RFC 5798: a new MASTER advertises at once).
    public func start() {
        loop.execute {
            self.task?.cancel()
            self.task = self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: self.interval) { _ in self.fire() }
        }
    }

    public func stop() {
        loop.execute {
            self.task?.cancel()
            self.task = nil
        }
    }
}
