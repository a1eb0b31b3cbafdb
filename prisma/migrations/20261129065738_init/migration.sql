-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "SweepStatus" AS ENUM ('queued', 'running', 'paused', 'cancelled', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('queued', 'running', 'completed', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "Sweep" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "status" "SweepStatus" NOT NULL DEFAULT 'queued',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Sweep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" UUID NOT NULL,
    "sweepId" UUID NOT NULL,
    "key" CHAR(64) NOT NULL,
    "spec" JSONB NOT NULL,
    "activation" TEXT NOT NULL,
    "initializer" TEXT NOT NULL,
    "depth" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "optimizer" TEXT NOT NULL,
    "learningRate" DOUBLE PRECISION NOT NULL,
    "dataset" TEXT NOT NULL,
    "seed" BIGINT NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'queued',
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "workerId" TEXT,
    "device" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "epochsDone" INTEGER NOT NULL DEFAULT 0,
    "trainLoss" DOUBLE PRECISION,
    "trainAccuracy" DOUBLE PRECISION,
    "valLoss" DOUBLE PRECISION,
    "valAccuracy" DOUBLE PRECISION,
    "gradientRatio" DOUBLE PRECISION,
    "deadFraction" DOUBLE PRECISION,
    "saturatedFraction" DOUBLE PRECISION,
    "diagnosisKinds" TEXT[],
    "diagnoses" JSONB,
    "layers" JSONB,
    "error" TEXT,

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TraceEpoch" (
    "runId" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "attempt" INTEGER NOT NULL,
    "trainLoss" DOUBLE PRECISION NOT NULL,
    "trainAccuracy" DOUBLE PRECISION NOT NULL,
    "valLoss" DOUBLE PRECISION,
    "valAccuracy" DOUBLE PRECISION,
    "outputStd" DOUBLE PRECISION NOT NULL,
    "layerMetrics" BYTEA NOT NULL,
    "histograms" BYTEA NOT NULL,

    CONSTRAINT "TraceEpoch_pkey" PRIMARY KEY ("runId","epoch")
);

-- CreateIndex
CREATE INDEX "Run_sweepId_status_idx" ON "Run"("sweepId", "status");

-- CreateIndex
CREATE INDEX "Run_sweepId_activation_initializer_depth_idx" ON "Run"("sweepId", "activation", "initializer", "depth");

-- CreateIndex
CREATE UNIQUE INDEX "Run_sweepId_key_key" ON "Run"("sweepId", "key");

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_sweepId_fkey" FOREIGN KEY ("sweepId") REFERENCES "Sweep"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TraceEpoch" ADD CONSTRAINT "TraceEpoch_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
