package io.inferfn.bench.floor;

import io.quarkus.grpc.GrpcService;

import io.inferfn.http.grpc.v2.GRPCInferenceServiceGrpc;

/**
 * http-predict's gRPC service, KServe's {@code inference.GRPCInferenceService} from the same .proto, with no method
 * implemented (every call answers UNIMPLEMENTED): the floor's gRPC server starts with the same services and
 * descriptors as http-predict's, and does nothing else.
 */
@GrpcService
public class FloorGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {}
