-- AlterEnum
ALTER TYPE "RunStatus" ADD VALUE 'pruned';

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "stopReason" JSONB;

-- CreateTable
CREATE TABLE "StopCheck" (
    "runId" UUID NOT NULL,
    "sweepId" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "stopped" BOOLEAN NOT NULL,

    CONSTRAINT "StopCheck_pkey" PRIMARY KEY ("runId","epoch")
);

-- CreateIndex
CREATE INDEX "StopCheck_sweepId_epoch_seq_idx" ON "StopCheck"("sweepId", "epoch", "seq");

-- AddForeignKey
ALTER TABLE "StopCheck" ADD CONSTRAINT "StopCheck_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
