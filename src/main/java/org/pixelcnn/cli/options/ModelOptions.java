package org.pixelcnn.cli.options;

import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;
import picocli.CommandLine.Option;

/**
 * The model flags of train.py, shared by train and info (same names, short forms and defaults). Checked
 * once, by {@link ModelConfig}'s constructor, whose messages name the flag.
 */
public final class ModelOptions {
    @Option(names = {"-q", "--nr_resnet"}, defaultValue = "5", description = "Residual blocks per stage (default ${DEFAULT-VALUE})")
    int nrResnet;

    @Option(names = {"-n", "--nr_filters"}, defaultValue = "160", description = "Filters of every stream (default ${DEFAULT-VALUE})")
    int nrFilters;

    @Option(names = {"-m", "--nr_logistic_mix"}, defaultValue = "10", description = "Logistic components in the mixture (default ${DEFAULT-VALUE})")
    int nrLogisticMix;

    @Option(names = {"-z", "--resnet_nonlinearity"}, defaultValue = "concat_elu", description = "concat_elu, elu or relu (default ${DEFAULT-VALUE})")
    String resnetNonlinearity;

    @Option(names = {"-p", "--dropout_p"}, defaultValue = "0.5", description = "Dropout strength, 1 - keep_prob (default ${DEFAULT-VALUE})")
    float dropoutP;

    /**
     * The model of these flags for images of the given shape.
     *
     * @throws BadInputException naming the flag (or the image shape) that is out of range
     */
    public ModelConfig toConfig(int height, int width, int channels, int numClasses) {
        try {
            return new ModelConfig(nrResnet, nrFilters, nrLogisticMix, Nonlinearity.parse(resnetNonlinearity), height, width, channels,
                    numClasses, dropoutP);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
    }
}
