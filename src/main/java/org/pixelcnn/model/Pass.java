package org.pixelcnn.model;

/**
 * What one forward pass is for. TRAIN: dropout on. EVAL: dropout off, deterministic (test bits/dim,
 * sampling). INIT: data-dependent initialisation, dropout on as in training (model_spec(init=True)).
 * The dropout masks are keyed by (seed, step, replica, layer).
 *
 * @param mode    the kind of pass
 * @param seed    the run's seed
 * @param step    the optimiser step (the dropout mask changes every step)
 * @param replica the data-parallel replica index
 */
public record Pass(Mode mode, long seed, long step, int replica) {
    public enum Mode { TRAIN, EVAL, INIT }

    /** An evaluation pass (no dropout). */
    public static Pass eval() {
        return new Pass(Mode.EVAL, 0, 0, 0);
    }

    /** A training pass at the given step. */
    public static Pass train(long seed, long step, int replica) {
        return new Pass(Mode.TRAIN, seed, step, replica);
    }

    public boolean dropout() {
        return mode != Mode.EVAL;
    }

    public boolean init() {
        return mode == Mode.INIT;
    }
}
