import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.ndarray.NDManager;

/**
 * Image build step: unpacks DJL's native libraries (PyTorch from pytorch-native-cpu, the
 * tokenizers JNI library) out of the dependency jars into ENGINE_CACHE_DIR, so the running
 * gateway never extracts or downloads them, and checks that ONNX Runtime loads. Run with the
 * runtime class path and -Dai.djl.offline=true; it fails if a library cannot be loaded.
 */
public final class DjlNatives {
    public static void main(String[] args) {
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager manager = engine.newBaseManager()) {
            manager.ones(new ai.djl.ndarray.types.Shape(2, 2)).sum();
        }
        LibUtils.checkStatus();
        // ONNX Runtime unpacks its natives to java.io.tmpdir when first used; loading it here
        // fails the build if they cannot load on this platform.
        Engine onnx = Engine.getEngine("OnnxRuntime");
        System.out.println("DJL natives ready: " + engine.getEngineName() + " " + engine.getVersion() + ", "
                + onnx.getEngineName() + " " + onnx.getVersion());
    }
}
