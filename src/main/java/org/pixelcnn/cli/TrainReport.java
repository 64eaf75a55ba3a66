package org.pixelcnn.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.pixelcnn.io.BitsPlot;
import org.pixelcnn.io.MetricsLog;
import org.pixelcnn.train.TrainListener;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How {@code train} talks to its user (a {@link TrainListener}): a progress bar per epoch on a terminal,
 * else a line every --log_every steps; train.py's per-epoch line with images/s and ETA; after every save
 * the bits/dim plot {@code bits_per_dim.png} drawn from metrics.jsonl, and where everything went.
 */
final class TrainReport implements TrainListener {
    private final PrintWriter out;
    private final boolean progressBar;
    private ProgressBar bar;

    /**
     * @param out         where lines go
     * @param progressBar draw a progress bar (only on a terminal: it writes control codes)
     */
    TrainReport(PrintWriter out, boolean progressBar) {
        this.out = out;
        this.progressBar = progressBar;
    }

    @Override
    public void note(String line) {
        closeBar();
        out.println(line);
        out.flush();
    }

    @Override
    public void epochStarted(long epoch, int batches, int firstBatch) {
        if (!progressBar) return;
        bar = new ProgressBarBuilder().setTaskName("epoch " + epoch).setInitialMax(batches)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build();
        bar.stepTo(firstBatch);
    }

    @Override
    public void stepDone(long step, long epoch, double bitsPerDim, double imagesPerSecond, boolean logged) {
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(String.format("step %d, %.4f bits/dim, %.1f images/s", step, bitsPerDim, imagesPerSecond));
        } else if (logged) {
            out.printf("step %d, epoch %d, train bits/dim %.4f (this batch), %.1f images/s%n", step, epoch, bitsPerDim, imagesPerSecond);
            out.flush();
        }
    }

    @Override
    public void epochEnded(EpochReport r) {
        closeBar();
        out.printf("Iteration %d, time = %ds (training %ds), train bits_per_dim = %.4f, test bits_per_dim = %.4f, %.1f images/s, step %d, ETA %s%n",
                r.epoch(), Math.round(r.seconds()), Math.round(r.trainingSeconds()), r.trainBitsPerDim(), r.testBitsPerDim(),
                r.imagesPerSecond(), r.step(), eta(r.etaSeconds()));
        out.flush();
    }

    @Override
    public void saved(SaveReport r) {
        Path plot = r.metrics().resolveSibling("bits_per_dim.png");
        BitsPlot.write(plot, "PixelCNN++ on " + r.dataSet(), BitsPlot.fromMetrics(MetricsLog.read(r.metrics()), r.stepsPerEpoch()));
        out.printf("saved %s, samples %s, plot %s%n", r.checkpoint(), r.samples(), plot);
        out.flush();
    }

    /** Ends the progress bar of the current epoch (before a line is printed). */
    void closeBar() {
        if (bar != null) bar.close();
        bar = null;
    }

    private static String eta(double seconds) {
        Duration d = Duration.ofSeconds(Math.round(seconds));
        return String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}
