-- CreateTable
CREATE TABLE "Dataset" (
    "sha256" CHAR(64) NOT NULL,
    "points" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("sha256")
);
