package org.pixelcnn.io.torch;

import java.util.HashMap;
import java.util.LinkedHashMap;

/**
 * Python's {@code collections.OrderedDict} as a pickle of a state_dict holds it: the keys in order. The
 * pickle reader's BUILD opcode calls {@link #__setstate__} by reflection (hence public) with the
 * instance's attributes, here the state_dict's {@code _metadata} (layer versions), which is dropped.
 */
public final class TorchOrderedDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;

    /** Called by the pickle reader's BUILD opcode with the instance's attribute dict; ignored. */
    public void __setstate__(HashMap<?, ?> state) {
        // _metadata carries nothing the engine uses
    }
}
