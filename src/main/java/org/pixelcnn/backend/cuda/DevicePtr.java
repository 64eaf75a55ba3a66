package org.pixelcnn.backend.cuda;

import org.bytedeco.javacpp.Pointer;

/**
 * A raw address (device memory, or host memory owned elsewhere) handed to a JavaCPP function taking a
 * {@code void*}: position 0, no deallocator, so JavaCPP passes the address unchanged and never frees it.
 */
final class DevicePtr extends Pointer {
    DevicePtr(long address) {
        super();
        this.address = address;
    }
}
