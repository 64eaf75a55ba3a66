package org.pixelcnn.model.port;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.pixelcnn.data.format.NpyFormat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One case of src/test/resources/port (made by tools/peer/make_port_fixtures.py with the unmodified
 * PyTorch port): the state_dict file, the images (uint8 NHWC), the port's network output (float32
 * NHWC) and its loss per image in nats (as the port computes it in float32, and the same loss function
 * evaluated in float64 on the same output).
 */
public record PortFixture(String name, Path pth, int n, int h, int w, int c, int nrResnet, int nrFilters, int nrMix,
                          byte[] images, float[] out, double[] nats, double[] nats64, double[] bitsPerDim, double batchBits) {

    /** The directory of the fixtures. */
    public static Path dir() {
        try {
            return Path.of(PortFixture.class.getResource("/port/rgb.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loads case "rgb" or "gray". */
    public static PortFixture load(String name) {
        try {
            Path d = dir();
            JsonObject j = JsonParser.parseString(Files.readString(d.resolve(name + ".json"))).getAsJsonObject();
            int n = j.get("images").getAsInt();
            return new PortFixture(name, d.resolve(name + ".pth"), n, j.get("height").getAsInt(), j.get("width").getAsInt(),
                    j.get("channels").getAsInt(), j.get("nr_resnet").getAsInt(), j.get("nr_filters").getAsInt(),
                    j.get("nr_logistic_mix").getAsInt(), npy(d.resolve(name + "_images.npy")),
                    floats(npy(d.resolve(name + "_out.npy"))), doubles(j.getAsJsonArray("loss_per_image_nats")),
                    doubles(j.getAsJsonArray("loss_per_image_nats_float64")),
                    doubles(j.getAsJsonArray("bits_per_dim_per_image")), j.get("bits_per_dim").getAsDouble());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The .npy file of the images. */
    public Path imagesNpy() {
        return dir().resolve(name + "_images.npy");
    }

    private static byte[] npy(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            NpyFormat.read(in);
            return in.readAllBytes();
        }
    }

    private static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    private static double[] doubles(JsonArray a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) d[i] = a.get(i).getAsDouble();
        return d;
    }
}
