import Dispatch
import Synchronization

/// The devices of a worker started with `--gpus 0,1`: one trial slot per device.
///
/// A trial takes a free device when it starts and gives it back when it ends; its trainer sees that
/// device alone in `CUDA_VISIBLE_DEVICES`. Two trials never hold the same device at once. The worker
/// advertises as many slots as devices, so ``acquire()`` normally finds one free; if more trials
/// arrive than devices (a coordinator that oversends), the extra ones wait for a device.
public final class DeviceSlots: Sendable {
    public let devices: [String]
    /// `taken[i]` is true while `devices[i]` is held by a trial.
    private let taken: Mutex<[Bool]>
    private let available: DispatchSemaphore

    /// - Precondition: `devices` is not empty and has no duplicates.
    public init(_ devices: [String]) {
        precondition(!devices.isEmpty, "DeviceSlots needs at least one device")
        precondition(Set(devices).count == devices.count, "duplicate device in \(devices)")
        self.devices = devices
        taken = Mutex(Array(repeating: false, count: devices.count))
        // Counted up from 0 rather than created at `devices.count`: libdispatch traps when a semaphore is
        // released while below its initial value, and a worker may end with devices still held.
        available = DispatchSemaphore(value: 0)
        for _ in devices { available.signal() }
    }

    /// Takes a free device, waiting for one if all are taken.
    public func acquire() -> String {
        available.wait()
        return take()
    }

    /// Takes a free device if there is one, without waiting.
    public func tryAcquire() -> String? {
        guard available.wait(timeout: .now()) == .success else { return nil }
        return take()
    }

    /// Gives `device` back.
    /// - Precondition: it was acquired and not yet released.
    public func release(_ device: String) {
        taken.withLock { taken in
            guard let index = devices.firstIndex(of: device), taken[index] else {
                preconditionFailure("device \(device) was released but not taken")
            }
            taken[index] = false
        }
        available.signal()
    }

    /// Devices currently taken, in the order of ``devices``.
    public var inUse: [String] {
        let flags = taken.withLock { $0 }
        return zip(devices, flags).filter(\.1).map(\.0)
    }

    /// Takes the first free device (in ``devices`` order) after the semaphore granted one.
    private func take() -> String {
        taken.withLock { taken in
            // The semaphore's count never exceeds the number of free devices, so one is free here.
            guard let index = taken.firstIndex(of: false) else {
                preconditionFailure("device semaphore and device table disagree")
            }
            taken[index] = true
            return devices[index]
        }
    }
}
