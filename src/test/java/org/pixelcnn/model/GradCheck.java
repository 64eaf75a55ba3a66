package org.pixelcnn.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks an analytic (float32, hand-written backward) gradient against central finite differences
 * of a float64 oracle. For every named segment of the parameter vector it checks (1) single
 * coordinates: the largest-magnitude one and a few random ones, |g - fd| <= tol (|fd| + 1e-2 max|g|),
 * and (2) the directional derivative along the analytic gradient itself, |&lt;g,g&gt;/|g| - fd| <= tol |g|,
 * which catches a formula that is off on a whole tensor. With tol = 1e-3 a 1% error planted in one
 * backward formula fails (see the planted-error notes in the tests).
 */
final class GradCheck {
    record Segment(String name, int offset, int length) {}

    private final ToDoubleFunction<double[]> loss;
    private final double[] theta;
    private final double eps;
    private final double tol;
    private final List<String> failures = new ArrayList<>();
    private double worst;
    private String worstWhere = "";

    GradCheck(ToDoubleFunction<double[]> loss, double[] theta, double eps, double tol) {
        this.loss = loss;
        this.theta = theta;
        this.eps = eps;
        this.tol = tol;
    }

    private double fdAlong(double[] dir) {
        double[] p = theta.clone(), m = theta.clone();
        for (int i = 0; i < dir.length; i++) {
            p[i] += eps * dir[i];
            m[i] -= eps * dir[i];
        }
        return (loss.applyAsDouble(p) - loss.applyAsDouble(m)) / (2 * eps);
    }

    private double fdAt(int i) {
        double[] p = theta.clone(), m = theta.clone();
        p[i] += eps;
        m[i] -= eps;
        return (loss.applyAsDouble(p) - loss.applyAsDouble(m)) / (2 * eps);
    }

    void check(Segment s, double[] grad, int coords, SplittableRandom rng) {
        double max = 0;
        int arg = s.offset;
        for (int i = s.offset; i < s.offset + s.length; i++)
            if (Math.abs(grad[i]) > max) {
                max = Math.abs(grad[i]);
                arg = i;
            }
        List<Integer> idx = new ArrayList<>();
        idx.add(arg);
        for (int k = 0; k < coords && k < s.length - 1; k++) idx.add(s.offset + rng.nextInt(s.length));
        for (int i : idx) {
            double fd = fdAt(i);
            double err = Math.abs(grad[i] - fd) / (Math.abs(fd) + 1e-2 * max + 1e-12);
            note(err, s.name + "[" + (i - s.offset) + "] analytic " + grad[i] + " fd " + fd);
        }
        if (max > 0) {
            double[] dir = new double[theta.length];
            double norm = 0;
            for (int i = s.offset; i < s.offset + s.length; i++) norm += grad[i] * grad[i];
            norm = Math.sqrt(norm);
            for (int i = s.offset; i < s.offset + s.length; i++) dir[i] = grad[i] / norm;
            double fd = fdAlong(dir);
            double err = Math.abs(norm - fd) / norm;
            note(err, s.name + " along g: |g| " + norm + " fd " + fd);
        }
    }

    private void note(double err, String where) {
        if (err > worst) {
            worst = err;
            worstWhere = where;
        }
        if (!(err <= tol)) failures.add(where + " (rel err " + err + ")");
    }

    double worst() {
        return worst;
    }

    String worstWhere() {
        return worstWhere;
    }

    void assertOk(String label) {
        if (!failures.isEmpty())
            fail(label + ": " + failures.size() + " gradient mismatches, first: " + String.join("; ", failures.subList(0, Math.min(5, failures.size()))));
    }
}
