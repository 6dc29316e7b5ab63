import React from 'react';
import { Box, H2, Text } from '@adminjs/design-system';
import { useTranslation } from 'adminjs';

/** Placeholder home page until the analytics dashboard (charts, export) lands. */
const CrmDashboard: React.FC = () => {
  const { translateMessage } = useTranslation();
  return (
    <Box variant="grey" p="xxl">
      <Box variant="white" p="xl">
        <H2>{translateMessage('dashboardTitle')}</H2>
        <Text mt="lg">{translateMessage('dashboardHint')}</Text>
      </Box>
    </Box>
  );
};

export default CrmDashboard;
