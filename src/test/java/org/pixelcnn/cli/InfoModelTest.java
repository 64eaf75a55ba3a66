package org.pixelcnn.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** info with model flags: the parameter count and forward FLOPs of the model they describe. */
class InfoModelTest {
    private static JsonObject run(String... args) {
        StringWriter out = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute(args));
        return JsonParser.parseString(out.toString()).getAsJsonObject();
    }

    @Test
    void defaultModelOnCifar() {
        JsonObject o = run("info", "--json", "--nr_resnet", "5", "--nr_filters", "160", "--nr_logistic_mix", "10", "--data_set", "cifar");
        assertEquals(53_659_080L, o.get("model_parameters").getAsLong());
        // 48.74 GFLOP per image, as the PyTorch port's FLOP count for the same convolutions (tools/peer/bench_port.py)
        assertEquals(48.74, o.get("model_forward_flops_per_image").getAsLong() / 1e9, 0.005);
    }

    @Test
    void smallPresetOnFashionMnistShape() {
        JsonObject o = run("info", "--json", "--nr_resnet", "1", "--nr_filters", "32", "--nr_logistic_mix", "5", "--image_shape", "28x28x1");
        assertEquals(575_166L, o.get("model_parameters").getAsLong());
        assertEquals(0.414, o.get("model_forward_flops_per_image").getAsLong() / 1e9, 0.0005);
    }

    @Test
    void noModelFlagsNoModelSection() {
        assertFalse(run("info", "--json").has("model_parameters"));
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        assertEquals(2, cl.execute("info", "--image_shape", "32by32"));
        assertTrue(err.toString().contains("--image_shape"), err.toString());
    }
}
